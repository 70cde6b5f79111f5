/** `berth apiserver` and `berth kubeconfig node` as processes: first start, reuse, SIGTERM. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { run } from "./support.js";

const RUN_CLI = fileURLToPath(new URL("./run-cli.ts", import.meta.url));
const NODE_ARGS = ["--experimental-transform-types", "--no-warnings", RUN_CLI];

async function waitFor(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("berth apiserver CLI", () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let log = "";
  const port = 20000 + Math.floor(Math.random() * 20000);

  const start = async (nodeArgs: string[] = []) => {
    log = "";
    server = spawn(
      process.execPath,
      [...nodeArgs, ...NODE_ARGS, "apiserver", "--data-dir", dir, "--listen", `127.0.0.1:${port}`],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    server.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    await waitFor(() => log.includes("apiserver listening"), `the server to listen (log: ${log})`);
  };
  const stop = async (): Promise<number | null> => {
    const s = server;
    if (s === undefined || s.exitCode !== null) return s?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => s.once("exit", (code) => resolve(code)));
    s.kill("SIGTERM");
    return exited;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-cli-"));
  });
  afterAll(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates its CA, certificates, token and admin.kubeconfig, and kubectl uses it", async () => {
    await start();
    for (const f of [
      "ca.crt",
      "ca.key",
      "apiserver.crt",
      "apiserver.key",
      "admin.token",
      "admin.kubeconfig",
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const kc = parse(await readFile(join(dir, "admin.kubeconfig"), "utf8"));
    expect(kc.clusters[0].cluster.server).toBe(`https://127.0.0.1:${port}`);
    expect(kc.users[0].user.token).toBe((await readFile(join(dir, "admin.token"), "utf8")).trim());
    const { stdout } = await run("/usr/bin/kubectl", [
      "--cache-dir",
      join(dir, "cache"),
      "--kubeconfig",
      join(dir, "admin.kubeconfig"),
      "get",
      "ns",
      "default",
      "--no-headers",
    ]);
    expect(stdout).toMatch(/^default\s+Active/);
  });

  it("prints a node kubeconfig that authenticates as system:node:NAME", async () => {
    const { stdout } = await run(process.execPath, [
      ...NODE_ARGS,
      "kubeconfig",
      "node",
      "worker-1",
      "--data-dir",
      dir,
    ]);
    const path = join(dir, "node.kubeconfig");
    await writeFile(path, stdout);
    const kc = parse(stdout);
    expect(kc.users[0].user["client-certificate-data"]).toBeDefined();
    const denied = await run("/usr/bin/kubectl", [
      "--cache-dir",
      join(dir, "cache2"),
      "--kubeconfig",
      path,
      "get",
      "configmaps",
    ]).catch((e: { stderr: string }) => e.stderr);
    expect(denied).toContain('User "system:node:worker-1" cannot list resource "configmaps"');
    const bad = await run(process.execPath, [
      ...NODE_ARGS,
      "kubeconfig",
      "node",
      "Not_A_Name",
      "--data-dir",
      dir,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
  });

  it("stops cleanly on SIGTERM and reuses its credentials on the next start", async () => {
    const ca = await readFile(join(dir, "ca.crt"), "utf8");
    const token = await readFile(join(dir, "admin.token"), "utf8");
    expect(await stop()).toBe(0);
    expect(log).toContain("apiserver stopped");
    await start();
    expect(await readFile(join(dir, "ca.crt"), "utf8")).toBe(ca);
    expect(await readFile(join(dir, "admin.token"), "utf8")).toBe(token);
    expect(await stop()).toBe(0);
  });

  it("exits after its stop even when something still holds the event loop, naming it", async () => {
    // An interval nothing clears, as a leaked socket or timer would hold the process.
    await start(["--import", "data:text/javascript,setInterval(() => {}, 60000)"]);
    const started = Date.now();
    expect(await stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(log).toContain("apiserver stopped");
    expect(log).toMatch(/"open":\[[^\]]*"Timeout"[^\]]*\],"msg":"still open after stop; exiting"/);
  });

  it("refuses bad flags with a clear message", async () => {
    const r = await run(process.execPath, [
      ...NODE_ARGS,
      "apiserver",
      "--data-dir",
      dir,
      "--storage",
      "mysql",
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 1 });
    expect((r as { stderr: string }).stderr).toContain("--storage must be sqlite or etcd");
  });
});
