import type { IContainer, IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { podResourceConfig } from "./pod-resources.js";
import { podLimits, podRequests } from "./requests.js";

type Res = { requests?: Record<string, string>; limits?: Record<string, string> };
const Mi = 1024 * 1024;

function c(name: string, resources: Res = {}, restartPolicy?: string): IContainer {
  return { name, image: "busybox", resources, ...(restartPolicy === undefined ? {} : { restartPolicy }) };
}

function pod(containers: IContainer[], spec: Partial<NonNullable<IPod["spec"]>> = {}): IPod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", uid: "u1" }, spec: { ...spec, containers } };
}

describe("podRequests / podLimits", () => {
  it("sums app containers", () => {
    const p = pod([
      c("a", { requests: { cpu: "100m", memory: "64Mi" } }),
      c("b", { requests: { cpu: "1" } }),
    ]);
    expect(podRequests(p)).toEqual({ cpuMilli: 1100, memoryBytes: 64 * Mi, ephemeralStorageBytes: 0 });
  });

  it("takes the larger of the app sum and any init container, counting sidecars started before it", () => {
    const p = pod([c("app", { requests: { cpu: "100m", memory: "64Mi" } })], {
      initContainers: [
        c("sidecar", { requests: { cpu: "200m", memory: "32Mi" } }, "Always"),
        c("migrate", { requests: { cpu: "500m", memory: "16Mi" } }),
      ],
    });
    // apps + sidecar = 300m / 96Mi; migrate runs beside the sidecar = 700m / 48Mi.
    expect(podRequests(p)).toMatchObject({ cpuMilli: 700, memoryBytes: 96 * Mi });
  });

  it("adds the pod overhead to requests, and to limits only where a limit exists", () => {
    const p = pod([c("a", { requests: { cpu: "100m" }, limits: { memory: "64Mi" } })], {
      overhead: { cpu: "10m", memory: "1Mi" },
    });
    expect(podRequests(p)).toMatchObject({ cpuMilli: 110, memoryBytes: 65 * Mi });
    expect(podLimits(p)).toMatchObject({ cpuMilli: 0, memoryBytes: 65 * Mi });
  });
});

describe("podResourceConfig", () => {
  it("Guaranteed: shares, quota and memory from the sums", () => {
    const p = pod([
      c("a", { limits: { cpu: "1", memory: "64Mi" } }),
      c("b", { limits: { cpu: "500m", memory: "64Mi" } }),
    ]);
    expect(podResourceConfig(p)).toEqual({
      cpuShares: 1536,
      cpuQuotaUs: 150000,
      cpuPeriodUs: 100000,
      memoryLimitBytes: 128 * Mi,
    });
  });

  it("Burstable: quota only when every container has a cpu limit, memory likewise", () => {
    const allCpu = pod([
      c("a", { requests: { cpu: "100m" }, limits: { cpu: "1" } }),
      c("b", { requests: { memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } }),
    ]);
    expect(podResourceConfig(allCpu)).toEqual({ cpuShares: 1126, cpuQuotaUs: 200000, cpuPeriodUs: 100000 });
    const allMemory = pod([
      c("a", { requests: { cpu: "100m" }, limits: { memory: "64Mi" } }),
      c("b", { limits: { memory: "64Mi" } }),
    ]);
    expect(podResourceConfig(allMemory)).toEqual({ cpuShares: 102, memoryLimitBytes: 128 * Mi });
  });

  it("Burstable: an init container without a limit also lifts the pod's cap", () => {
    const p = pod([c("a", { requests: { cpu: "100m" }, limits: { cpu: "1", memory: "64Mi" } })], {
      initContainers: [c("init")],
    });
    expect(podResourceConfig(p)).toEqual({ cpuShares: 102 });
  });

  it("Burstable: a plain init container is judged together with the sidecars before it", () => {
    const p = pod([c("a", { requests: { cpu: "100m" }, limits: { cpu: "1", memory: "64Mi" } })], {
      initContainers: [c("sidecar", { limits: { cpu: "200m", memory: "32Mi" } }, "Always"), c("init")],
    });
    expect(podResourceConfig(p)).toEqual({
      cpuShares: 307,
      cpuQuotaUs: 120000,
      cpuPeriodUs: 100000,
      memoryLimitBytes: 96 * Mi,
    });
  });

  it("BestEffort: minimum shares only", () => {
    expect(podResourceConfig(pod([c("a")]))).toEqual({ cpuShares: 2 });
  });
});
