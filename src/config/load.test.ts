import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCode, ErrorCode } from "../common/errors.js";
import { loadAgentConfig } from "./load.js";

describe("loadAgentConfig", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads --config from disk", async () => {
    const file = join(dir, "agent.yaml");
    await writeFile(file, "maxPods: 12\n");
    const c = await loadAgentConfig({ flags: { kubeconfig: "/k", config: file }, hostname: "h" });
    expect(c.maxPods).toBe(12);
    expect(c.configFile).toBe(file);
  });

  it("works without --config", async () => {
    expect((await loadAgentConfig({ flags: { kubeconfig: "/k" }, hostname: "h" })).maxPods).toBe(110);
  });

  it("accepts the example systemd/agent.yaml, whose values are the defaults", async () => {
    const file = fileURLToPath(new URL("../../systemd/agent.yaml", import.meta.url));
    const c = await loadAgentConfig({ flags: { kubeconfig: "/k", config: file }, hostname: "h" });
    const defaults = await loadAgentConfig({ flags: { kubeconfig: "/k" }, hostname: "h" });
    expect({ ...c, configFile: undefined }).toEqual({ ...defaults, configFile: undefined });
  });

  it("names a file it cannot read", async () => {
    const file = join(dir, "missing.yaml");
    const err: unknown = await loadAgentConfig({ flags: { kubeconfig: "/k", config: file } }).catch(
      (e: unknown) => e,
    );
    expect(hasCode(err, ErrorCode.Config)).toBe(true);
    expect((err as Error).message).toContain(`--config: cannot read "${file}"`);
  });
});
