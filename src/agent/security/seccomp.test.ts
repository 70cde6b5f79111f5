import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IContainer, IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { checkSeccompProfile, seccompProfile } from "./seccomp.js";

const OFF = { root: "/var/lib/berth/agent/seccomp", seccompDefault: false };
const ON = { ...OFF, seccompDefault: true };

function podWith(podProfile?: IPod["spec"]): IPod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [], ...podProfile } };
}

describe("seccomp", () => {
  const plain: IContainer = { name: "app", image: "x" };

  it("is Unconfined without a profile, RuntimeDefault with seccompDefault", () => {
    expect(seccompProfile(podWith(), plain, OFF)).toEqual({ type: "Unconfined" });
    expect(seccompProfile(podWith(), plain, ON)).toEqual({ type: "RuntimeDefault" });
  });

  it("takes the container's profile over the pod's", () => {
    const pod = podWith({ containers: [], securityContext: { seccompProfile: { type: "RuntimeDefault" } } });
    expect(seccompProfile(pod, plain, OFF)).toEqual({ type: "RuntimeDefault" });
    const own: IContainer = { ...plain, securityContext: { seccompProfile: { type: "Unconfined" } } };
    expect(seccompProfile(pod, own, ON)).toEqual({ type: "Unconfined" });
  });

  it("resolves a Localhost profile under the seccomp root and needs its name", () => {
    const local: IContainer = {
      ...plain,
      securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" } },
    };
    expect(seccompProfile(podWith(), local, OFF)).toEqual({
      type: "Localhost",
      localhostRef: "/var/lib/berth/agent/seccomp/profiles/audit.json",
    });
    const unnamed: IContainer = { ...plain, securityContext: { seccompProfile: { type: "Localhost" } } };
    expect(() => seccompProfile(podWith(), unnamed, OFF)).toThrow(
      "localhostProfile must be set if seccompProfile type is Localhost.",
    );
  });

  it("checks that a Localhost profile's file is there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-seccomp-"));
    try {
      const there = join(dir, "there.json");
      await writeFile(there, "{}");
      await expect(checkSeccompProfile({ type: "Localhost", localhostRef: there })).resolves.toBeUndefined();
      await expect(checkSeccompProfile({ type: "RuntimeDefault" })).resolves.toBeUndefined();
      const gone = join(dir, "gone.json");
      await expect(checkSeccompProfile({ type: "Localhost", localhostRef: gone })).rejects.toThrow(
        `cannot load seccomp profile "${gone}": open ${gone}: no such file or directory`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
