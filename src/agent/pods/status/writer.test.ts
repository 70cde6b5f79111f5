import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { PodStatusWriter, type StatusClient } from "./writer.js";

describe("PodStatusWriter", () => {
  it("sends a strategic patch with only the agent's conditions and whole address lists", async () => {
    const calls: { path: string; body: unknown; type: string }[] = [];
    const client: StatusClient = {
      patch: async <T>(path: string, body: unknown, type: string) => {
        calls.push({ path, body, type });
        return {} as T;
      },
    } as StatusClient;
    const pod: IPod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u1" } };
    await new PodStatusWriter(client).write(pod, {
      phase: "Running",
      conditions: [
        { type: "example.com/gate", status: "False" },
        { type: "Ready", status: "True" },
      ],
      podIPs: [{ ip: "10.0.0.2" }],
    });
    expect(calls).toEqual([
      {
        path: "/api/v1/namespaces/ns/pods/p/status",
        type: "strategic",
        body: {
          metadata: { uid: "u1" },
          status: {
            phase: "Running",
            conditions: [{ type: "Ready", status: "True" }],
            podIPs: [{ ip: "10.0.0.2" }, { $patch: "replace" }],
          },
        },
      },
    ]);
  });
});
