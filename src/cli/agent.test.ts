import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/index.js";
import { parseAgentFlags } from "./agent.js";

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
