import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode, hasCode } from "../../common/errors.js";
import { pods, type KubeObject } from "../registry/index.js";
import type { AdmissionAttributes } from "./admission.js";
import { RuntimeClassAdmission } from "./runtime-class.js";

const CLASSES: Record<string, KubeObject> = {
  gvisor: {
    metadata: { name: "gvisor" },
    handler: "runsc",
    overhead: { podFixed: { cpu: "250m", memory: "120Mi" } },
    scheduling: {
      nodeSelector: { sandbox: "gvisor" },
      tolerations: [{ key: "sandbox", operator: "Exists" }],
    },
  },
  plain: { metadata: { name: "plain" }, handler: "runc" },
};

const plugin = new RuntimeClassAdmission({
  getRuntimeClass: async (name) => {
    const rc = CLASSES[name];
    if (rc === undefined)
      throw new BerthError(ErrorCode.NotFound, `runtimeclasses.node.k8s.io "${name}" not found`);
    return rc;
  },
});

function attrs(spec: Record<string, unknown>): AdmissionAttributes {
  return {
    operation: "CREATE",
    def: pods,
    namespace: "default",
    name: "p",
    user: { name: "admin", groups: [] },
    dryRun: false,
    object: { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "x" }], ...spec } },
    oldObject: undefined,
  };
}

async function refusal(a: AdmissionAttributes): Promise<string> {
  const err = await plugin
    .admit(a)
    .then(() => plugin.validate(a))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(hasCode(err, ErrorCode.Forbidden)).toBe(true);
  return (err as Error).message;
}

describe("RuntimeClass admission", () => {
  it("sets overhead, merges the node selector and adds tolerations", async () => {
    const a = attrs({ runtimeClassName: "gvisor", nodeSelector: { disk: "ssd" } });
    await plugin.admit(a);
    await plugin.validate(a);
    expect(a.object["spec"]).toMatchObject({
      overhead: { cpu: "250m", memory: "120Mi" },
      nodeSelector: { disk: "ssd", sandbox: "gvisor" },
      tolerations: [{ key: "sandbox", operator: "Exists" }],
    });
  });

  it("accepts an overhead equal to the class's, however written", async () => {
    const a = attrs({ runtimeClassName: "gvisor", overhead: { cpu: "0.25", memory: "120Mi" } });
    await plugin.admit(a);
    await plugin.validate(a);
  });

  it("refuses an unknown class, a different overhead, an overhead without one and a conflicting selector", async () => {
    expect(await refusal(attrs({ runtimeClassName: "kata" }))).toBe(
      'pods "p" is forbidden: pod rejected: RuntimeClass "kata" not found',
    );
    expect(await refusal(attrs({ runtimeClassName: "gvisor", overhead: { cpu: "1" } }))).toBe(
      `pods "p" is forbidden: pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead`,
    );
    expect(await refusal(attrs({ runtimeClassName: "plain", overhead: { cpu: "1" } }))).toBe(
      'pods "p" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead',
    );
    expect(await refusal(attrs({ runtimeClassName: "gvisor", nodeSelector: { sandbox: "no" } }))).toBe(
      'pods "p" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = gvisor; pod.spec.nodeSelector[sandbox] = no',
    );
  });
});
