import { describe, expect, it } from "vitest";
import { requireEnv } from "../support/env.js";
import { run } from "./run.js";

/** name -> pid of the daemons `status` lists as running. */
function runningPids(statusOutput: string): Record<string, string> {
  const pids: Record<string, string> = {};
  for (const match of statusOutput.matchAll(/^(\S+)\s+running\s+pid\s+(\d+)/gm)) {
    if (match[1] !== undefined && match[2] !== undefined) pids[match[1]] = match[2];
  }
  return pids;
}

// `up` is level-triggered: with everything in place, a second run restarts, imports and pushes
// nothing, and prints the same exports the tests were started with.
describe("runtime-env.sh up, a second time", () => {
  it("changes nothing and prints only the exports", async () => {
    const script = requireEnv("BERTH_RUNTIME_ENV");
    const before = runningPids((await run("bash", [script, "status"])).stdout);
    expect(Object.keys(before).sort()).toEqual(["auth-registry", "containerd", "docker", "registry"]);

    const up = await run("bash", [script, "up"], 120_000);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr.trim()).toBe("runtime-env: ready");
    const exports = up.stdout.trim().split("\n");
    for (const line of exports) expect(line).toMatch(/^export [A-Z_]+=\S+$/);
    for (const name of [
      "CONTAINERD_ENDPOINT",
      "DOCKER_ENDPOINT",
      "REGISTRY",
      "AUTH_REGISTRY",
      "PAUSE_IMAGE",
      "TEST_IMAGE",
    ]) {
      expect(exports).toContain(`export ${name}=${requireEnv(name)}`);
    }

    const after = runningPids((await run("bash", [script, "status"])).stdout);
    expect(after).toEqual(before);
  });
});
