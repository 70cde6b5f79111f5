import type { IContainer, IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { isInvalid } from "../../common/index.js";
import { qosClass } from "./qos.js";

type Res = { requests?: Record<string, string>; limits?: Record<string, string> };

function c(name: string, resources: Res = {}): IContainer {
  return { name, image: "busybox", resources };
}

function pod(containers: IContainer[], initContainers: IContainer[] = []): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", uid: "u1" },
    spec: { containers, initContainers },
  };
}

const both = (cpu: string, memory: string): Res => ({
  requests: { cpu, memory },
  limits: { cpu, memory },
});

describe("qosClass", () => {
  it("is BestEffort without requests or limits, or with only zero values and other resources", () => {
    expect(qosClass(pod([c("a"), c("b")]))).toBe("BestEffort");
    expect(
      qosClass(
        pod([c("a", { requests: { cpu: "0", memory: "0" }, limits: { "ephemeral-storage": "1Gi" } })]),
      ),
    ).toBe("BestEffort");
  });

  it("is Guaranteed when every container has equal cpu and memory requests and limits", () => {
    expect(qosClass(pod([c("a", both("1", "1Gi")), c("b", both("250m", "64Mi"))]))).toBe("Guaranteed");
    // Equal quantities written differently.
    expect(
      qosClass(
        pod([c("a", { requests: { cpu: "1000m", memory: "1024Mi" }, limits: { cpu: "1", memory: "1Gi" } })]),
      ),
    ).toBe("Guaranteed");
  });

  it("counts a limit without a request as the request (the API server default)", () => {
    expect(qosClass(pod([c("a", { limits: { cpu: "1", memory: "1Gi" } })]))).toBe("Guaranteed");
  });

  it("is Burstable when one container lacks limits, even an init container", () => {
    expect(qosClass(pod([c("a", both("1", "1Gi")), c("b")]))).toBe("Burstable");
    expect(qosClass(pod([c("a", both("1", "1Gi"))], [c("init")]))).toBe("Burstable");
    expect(qosClass(pod([c("a", { requests: { cpu: "100m" } })]))).toBe("Burstable");
  });

  it("is Burstable when requests are below limits or a limit covers only cpu", () => {
    expect(
      qosClass(
        pod([c("a", { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } })]),
      ),
    ).toBe("Burstable");
    expect(qosClass(pod([c("a", { limits: { cpu: "1" } })]))).toBe("Burstable");
  });

  it("compares summed requests with summed limits, as upstream", () => {
    const p = pod([
      c("a", { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "1Gi" } }),
      c("b", { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } }),
    ]);
    expect(qosClass(p)).toBe("Guaranteed");
  });

  it("includes init containers in the sums", () => {
    expect(qosClass(pod([c("a", both("1", "1Gi"))], [c("i", both("2", "2Gi"))]))).toBe("Guaranteed");
  });

  it("throws Invalid naming the container for a malformed quantity", () => {
    try {
      qosClass(pod([c("web", { requests: { cpu: "one" } })]));
      expect.unreachable();
    } catch (err) {
      expect(isInvalid(err)).toBe(true);
      expect((err as Error).message).toContain('container "web" resources.requests.cpu');
    }
  });
});
