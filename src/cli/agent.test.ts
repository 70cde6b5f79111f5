import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/index.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agent, parseAgentFlags } from "./agent.js";

describe("berth agent flags", () => {
  it("maps every flag to the config's field", () => {
    const flags = parseAgentFlags([
      "--kubeconfig=/k",
      "--node-name",
      "n1",
      "--runtime",
      "docker",
      "--runtime-endpoint",
      "unix:///run/d.sock",
      "--root-dir",
      "/var/lib/x",
      "--config",
      "/etc/a.yaml",
      "--pod-infra-image",
      "reg/pause:1",
      "--node-ip",
      "10.0.0.1",
    ]);
    expect(flags).toEqual({
      help: false,
      kubeconfig: "/k",
      nodeName: "n1",
      runtime: "docker",
      runtimeEndpoint: "unix:///run/d.sock",
      rootDir: "/var/lib/x",
      config: "/etc/a.yaml",
      podInfraImage: "reg/pause:1",
      nodeIp: "10.0.0.1",
    });
  });

  it("leaves absent flags out, so the config's defaults apply", () => {
    expect(parseAgentFlags(["--kubeconfig", "/k"])).toEqual({ help: false, kubeconfig: "/k" });
    expect(parseAgentFlags(["-h"]).help).toBe(true);
  });

  it.each([
    [["--max-pods", "3"], /Unknown option '--max-pods'/],
    [["--kubeconfig"], /argument missing/],
    [["extra"], /positional argument/],
  ])("refuses %j with the usage", (argv, message) => {
    let err: unknown;
    try {
      parseAgentFlags(argv);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, ErrorCode.Config)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain("usage: berth agent");
  });
});

describe("berth agent start-up errors", () => {
  it("stops before starting anything when the config file is wrong", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cli-agent-"));
    try {
      const file = join(dir, "agent.yaml");
      await writeFile(file, "maxPod: 5\n");
      await expect(agent.run(["--kubeconfig", "/k", "--node-name", "n1", "--config", file])).rejects.toThrow(
        'config: unknown field "maxPod" (did you mean maxPods?)',
      );
      await expect(
        agent.run(["--kubeconfig", "/k", "--node-name", "n1", "--config", join(dir, "missing.yaml")]),
      ).rejects.toThrow(/--config: cannot read/);
      await expect(agent.run(["--node-name", "n1"])).rejects.toThrow(/--kubeconfig: is required/);
      await expect(
        agent.run(["--kubeconfig", "/k", "--node-name", "n1", "--runtime", "crio"]),
      ).rejects.toThrow('--runtime: must be containerd or docker, not "crio"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("berth agent process settings", () => {
  it("cuts small Buffers from 8 KiB slabs, not Node 24's 64 KiB, before anything else", async () => {
    const before = Buffer.poolSize;
    const write = process.stdout.write;
    process.stdout.write = () => true;
    Buffer.poolSize = 64 * 1024; // Node 24's default
    try {
      expect(await agent.run(["--help"])).toBe(0);
      expect(Buffer.poolSize).toBe(8 * 1024);
    } finally {
      process.stdout.write = write;
      Buffer.poolSize = before;
    }
  });
});
