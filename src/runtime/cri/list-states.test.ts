import { describe, expect, it } from "vitest";
import { BerthError } from "../../common/errors.js";
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_UID } from "../labels.js";
import { containerFromWire } from "./convert-container.js";
import { sandboxFromWire } from "./convert-sandbox.js";
import { decodeContainerStates, decodeSandboxStates } from "./list-states.js";
import { referenceMethod } from "./proto-reference.test-support.js";
import type { WireContainer, WirePodSandbox } from "./wire.js";

const listContainers = referenceMethod("ListContainers");
const listSandboxes = referenceMethod("ListPodSandbox");

/** Everything a runtime puts in a list answer, so that the reduced decode has to step over it. */
function container(id: string, state: string, labels: Record<string, string>): object {
  return {
    id,
    pod_sandbox_id: `sandbox-of-${id}`,
    metadata: { name: "app", attempt: 4 },
    image: { image: "registry.test/app:1" },
    image_ref: "sha256:0123456789abcdef",
    state,
    created_at: "1795320106850730043",
    labels,
    annotations: {
      "io.kubernetes.container.ports": '[{"containerPort":8080}]',
      [LABEL_POD_UID]: "not-a-label",
    },
    image_id: "sha256:fedcba9876543210",
  };
}

function sandbox(id: string, state: string, labels: Record<string, string>): object {
  return {
    id,
    metadata: { name: "web", uid: "meta-uid", namespace: "default", attempt: 2 },
    state,
    created_at: "-1",
    labels,
    annotations: { "kubernetes.io/config.seen": "2026-12-04T00:00:00Z" },
    runtime_handler: "runc",
  };
}

describe("the relist's reduced decode of CRI list answers", () => {
  it("reads each item's id, state and pod uid label as the full decode does", () => {
    const labels = (uid: string) => ({
      [LABEL_POD_NAME]: "web",
      [LABEL_POD_UID]: uid,
      [LABEL_CONTAINER_NAME]: "app",
    });
    const containers = [
      container("c-created", "CONTAINER_CREATED", labels("uid-1")),
      container("c-running", "CONTAINER_RUNNING", labels("uid-1")),
      container("c-exited", "CONTAINER_EXITED", labels("uid-2")),
      container("c-unknown", "CONTAINER_UNKNOWN", { [LABEL_POD_NAME]: "no-uid" }),
      container("c-ünïcode", "CONTAINER_RUNNING", labels("ü")),
    ];
    const bytes = listContainers.responseSerialize({ containers });
    const full = (listContainers.responseDeserialize(bytes) as { containers: WireContainer[] }).containers
      .map(containerFromWire)
      .map((c) => ({ id: c.id, state: c.state, podUid: c.labels[LABEL_POD_UID] ?? "" }));
    expect(decodeContainerStates(bytes)).toEqual(full);
    expect(full.map((c) => c.state)).toEqual(["created", "running", "exited", "unknown", "running"]);
    expect(full[3]?.podUid).toBe("");

    const sandboxes = [
      sandbox("s-ready", "SANDBOX_READY", labels("uid-1")),
      sandbox("s-notready", "SANDBOX_NOTREADY", labels("uid-2")),
    ];
    const sandboxBytes = listSandboxes.responseSerialize({ items: sandboxes });
    const fullSandboxes = (
      listSandboxes.responseDeserialize(sandboxBytes) as { items: WirePodSandbox[] }
    ).items
      .map(sandboxFromWire)
      .map((s) => ({ id: s.id, state: s.state, podUid: s.labels[LABEL_POD_UID] ?? "" }));
    expect(decodeSandboxStates(sandboxBytes)).toEqual(fullSandboxes);
    expect(fullSandboxes.map((s) => s.state)).toEqual(["ready", "notready"]);

    expect(decodeContainerStates(Buffer.alloc(0))).toEqual([]);
  });

  it("steps over fields it does not know, of every wire type, as a newer runtime may send", () => {
    const item = listContainers
      .responseSerialize({
        containers: [{ id: "c1", state: "CONTAINER_EXITED", labels: { [LABEL_POD_UID]: "u1" } }],
      })
      .subarray(2); // the item's bytes, after the items tag and a one-byte length
    const extra = Buffer.from([
      ...[(12 << 3) | 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // a varint of 10 bytes
      ...[(13 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8], // fixed64
      ...[(14 << 3) | 5, 1, 2, 3, 4], // fixed32
      ...[(15 << 3) | 2, 3, 0x61, 0x62, 0x63], // length-delimited
      ...[0xa0, 0x01, 0x2a], // field 20 (a tag of two bytes), varint 42
    ]);
    expect(item.length).toBeLessThan(128 - extra.length);
    const inner = Buffer.concat([item, extra]);
    const message = Buffer.concat([Buffer.from([(1 << 3) | 2, inner.length]), inner, extra]);
    expect(decodeContainerStates(message)).toEqual([{ id: "c1", state: "exited", podUid: "u1" }]);
  });

  it("refuses a malformed answer with a BerthError, whatever its length", () => {
    const bytes = listContainers.responseSerialize({
      containers: [container("c1", "CONTAINER_RUNNING", { [LABEL_POD_UID]: "u1" })],
    });
    let refused = 0;
    for (let end = 1; end < bytes.length; end++) {
      try {
        decodeContainerStates(bytes.subarray(0, end));
      } catch (err) {
        expect(err).toBeInstanceOf(BerthError);
        expect((err as Error).message).toMatch(/^malformed ListContainersResponse: /);
        refused++;
      }
    }
    // Every cut inside the one item leaves its length pointing past the end.
    expect(refused).toBe(bytes.length - 1);
    expect(() => decodeSandboxStates(Buffer.from([(1 << 3) | 3]))).toThrow(
      "malformed ListPodSandboxResponse: wire type 3",
    );
  });
});
