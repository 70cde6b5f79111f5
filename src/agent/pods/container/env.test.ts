import type { IContainer, IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../../common/index.js";
import {
  CREATE_CONTAINER_CONFIG_ERROR,
  containerEnvironment,
  expandCommand,
  fieldRefValue,
  formatDownwardMap,
  resourceFieldRefValue,
  type EnvContext,
} from "./env.js";

const pod: IPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web",
    namespace: "shop",
    uid: "uid-1",
    labels: { app: "web", tier: "front" },
    annotations: { note: 'say "hi"' },
  },
  spec: { nodeName: "node-a", serviceAccountName: "robot", containers: [{ name: "app", image: "busybox" }] },
};

const ctx: EnvContext = {
  nodeName: "node-a",
  podIPs: ["10.1.0.5", "fd00::5"],
  hostIPs: ["192.168.1.2"],
  nodeAllocatable: { cpu: "2", memory: "4Gi", "ephemeral-storage": "10Gi" },
  configMaps: new Map([["settings", { mode: "fast", level: "3" }]]),
  secrets: new Map([["creds", { password: "s3cret" }]]),
};

function env(container: Partial<IContainer>, c: EnvContext = ctx): [string, string][] {
  return [...containerEnvironment(pod, { name: "app", image: "busybox", ...container }, c)];
}

function expectConfigError(fn: () => unknown, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(BerthError);
  const err = caught as BerthError;
  expect(err.code).toBe(ErrorCode.Invalid);
  expect(err.message).toBe(message);
  expect(err.details.reason).toBe(CREATE_CONTAINER_CONFIG_ERROR);
}

describe("containerEnvironment", () => {
  it("keeps definition order and expands against earlier variables only", () => {
    expect(
      env({
        env: [
          { name: "A", value: "a" },
          { name: "B", value: "$(A)-$(C)" },
          { name: "C", value: "c" },
          { name: "D", value: "$$(A) $(C)" },
          { name: "E" },
        ],
      }),
    ).toEqual([
      ["A", "a"],
      ["B", "a-$(C)"],
      ["C", "c"],
      ["D", "$(A) c"],
      ["E", ""],
    ]);
  });

  it("lets a later definition win while keeping the first position", () => {
    expect(
      env({
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
          { name: "A", value: "3 $(A)" },
        ],
      }),
    ).toEqual([
      ["A", "3 1"],
      ["B", "2"],
    ]);
  });

  it("reads envFrom first (sorted keys, prefix), env overriding it", () => {
    expect(
      env({
        envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }, { secretRef: { name: "creds" } }],
        env: [{ name: "CFG_mode", value: "slow:$(password)" }],
      }),
    ).toEqual([
      ["CFG_level", "3"],
      ["CFG_mode", "slow:s3cret"],
      ["password", "s3cret"],
    ]);
  });

  it("resolves configMapKeyRef and secretKeyRef from the pre-fetched data", () => {
    expect(
      env({
        env: [
          { name: "MODE", valueFrom: { configMapKeyRef: { name: "settings", key: "mode" } } },
          { name: "PW", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
        ],
      }),
    ).toEqual([
      ["MODE", "fast"],
      ["PW", "s3cret"],
    ]);
  });

  it("leaves out optional references that are missing", () => {
    expect(
      env({
        envFrom: [
          { configMapRef: { name: "nope", optional: true } },
          { secretRef: { name: "gone", optional: true } },
        ],
        env: [
          { name: "A", valueFrom: { configMapKeyRef: { name: "settings", key: "missing", optional: true } } },
          { name: "B", valueFrom: { configMapKeyRef: { name: "nope", key: "x", optional: true } } },
          { name: "C", valueFrom: { secretKeyRef: { name: "creds", key: "missing", optional: true } } },
          { name: "D", valueFrom: { secretKeyRef: { name: "gone", key: "x", optional: true } } },
          { name: "E", value: "e" },
        ],
      }),
    ).toEqual([["E", "e"]]);
  });

  it.each([
    [
      { configMapKeyRef: { name: "settings", key: "missing" } },
      "couldn't find key missing in ConfigMap shop/settings",
    ],
    [{ configMapKeyRef: { name: "nope", key: "x" } }, 'configmap "nope" not found'],
    [{ secretKeyRef: { name: "creds", key: "user" } }, "couldn't find key user in Secret shop/creds"],
    [{ secretKeyRef: { name: "gone", key: "x" } }, 'secret "gone" not found'],
  ])("reports a missing required reference %j as the kubelet does", (valueFrom, message) => {
    expectConfigError(() => env({ env: [{ name: "X", valueFrom }] }), message);
  });

  it("reports a missing required envFrom source", () => {
    expectConfigError(
      () => env({ envFrom: [{ configMapRef: { name: "nope" } }] }),
      'configmap "nope" not found',
    );
    expectConfigError(() => env({ envFrom: [{ secretRef: { name: "gone" } }] }), 'secret "gone" not found');
  });

  it("treats no fetched objects at all as not found", () => {
    const bare: EnvContext = { nodeName: "n", podIPs: [], hostIPs: [] };
    expectConfigError(
      () =>
        env(
          { env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "settings", key: "mode" } } }] },
          bare,
        ),
      'configmap "settings" not found',
    );
  });
});

describe("fieldRefValue (downward API)", () => {
  it.each([
    ["metadata.name", "web"],
    ["metadata.namespace", "shop"],
    ["metadata.uid", "uid-1"],
    ["metadata.labels['app']", "web"],
    ["metadata.labels['missing']", ""],
    ["metadata.annotations['note']", 'say "hi"'],
    ["metadata.labels", 'app="web"\ntier="front"'],
    ["metadata.annotations", 'note="say \\"hi\\""'],
    ["spec.nodeName", "node-a"],
    ["spec.serviceAccountName", "robot"],
    ["status.hostIP", "192.168.1.2"],
    ["status.hostIPs", "192.168.1.2"],
    ["status.podIP", "10.1.0.5"],
    ["status.podIPs", "10.1.0.5,fd00::5"],
  ])("%s -> %j", (fieldPath, expected) => {
    expect(fieldRefValue({ fieldPath }, pod, ctx)).toBe(expected);
  });

  it("refuses unsupported paths, subscripts and versions", () => {
    expectConfigError(
      () => fieldRefValue({ fieldPath: "spec.hostname" }, pod, ctx),
      "unsupported fieldPath: spec.hostname",
    );
    expectConfigError(
      () => fieldRefValue({ fieldPath: "metadata.name['x']" }, pod, ctx),
      `fieldPath "metadata.name['x']" does not support subscript`,
    );
    expectConfigError(
      () => fieldRefValue({ fieldPath: "metadata.name", apiVersion: "v2" }, pod, ctx),
      "unsupported pod version: v2",
    );
  });

  it("formats an empty map as an empty string", () => {
    expect(formatDownwardMap(undefined)).toBe("");
  });
});

describe("resourceFieldRefValue", () => {
  const container: IContainer = {
    name: "app",
    image: "busybox",
    resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "1500m", memory: "128Mi" } },
  };
  it.each([
    ["limits.cpu", undefined, "2"],
    ["limits.cpu", "1m", "1500"],
    ["limits.cpu", "100m", "15"],
    ["requests.cpu", undefined, "1"],
    ["requests.cpu", "1m", "250"],
    ["limits.memory", undefined, String(128 * 1024 * 1024)],
    ["limits.memory", "1Mi", "128"],
    ["limits.memory", "1M", "135"],
    ["requests.memory", "1Mi", "64"],
    ["requests.ephemeral-storage", undefined, "0"],
    ["limits.ephemeral-storage", "1Gi", "10"],
    ["limits.hugepages-2Mi", undefined, "0"],
  ])("%s with divisor %j -> %s", (resource, divisor, expected) => {
    expect(
      resourceFieldRefValue({ resource, ...(divisor === undefined ? {} : { divisor }) }, pod, container, ctx),
    ).toBe(expected);
  });

  it("defaults an unset limit to node allocatable, and memory to capacity without it", () => {
    const bare: IContainer = { name: "app", image: "busybox" };
    expect(resourceFieldRefValue({ resource: "limits.cpu", divisor: "1m" }, pod, bare, ctx)).toBe("2000");
    expect(resourceFieldRefValue({ resource: "limits.memory", divisor: "1Gi" }, pod, bare, ctx)).toBe("4");
    const capacityOnly: EnvContext = {
      nodeName: "n",
      podIPs: [],
      hostIPs: [],
      memoryCapacityBytes: 2 * 1024 ** 3,
    };
    expect(
      resourceFieldRefValue({ resource: "limits.memory", divisor: "1Mi" }, pod, bare, capacityOnly),
    ).toBe("2048");
    expectConfigError(
      () => resourceFieldRefValue({ resource: "limits.cpu" }, pod, bare, capacityOnly),
      "node allocatable cpu is unknown, needed for limits.cpu",
    );
  });

  it("reads another container by containerName and refuses unknown resources", () => {
    const other: IPod = {
      ...pod,
      spec: { containers: [container, { name: "side", image: "x", resources: { limits: { cpu: "3" } } }] },
    };
    expect(
      resourceFieldRefValue({ resource: "limits.cpu", containerName: "side" }, other, container, ctx),
    ).toBe("3");
    expectConfigError(
      () => resourceFieldRefValue({ resource: "limits.gpu" }, pod, container, ctx),
      "unsupported container resource : limits.gpu",
    );
    expectConfigError(
      () => resourceFieldRefValue({ resource: "cpu" }, pod, container, ctx),
      "unsupported container resource : cpu",
    );
  });

  it("feeds env vars", () => {
    expect(
      env({
        ...container,
        env: [{ name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } } }],
      }),
    ).toEqual([["CPU", "1500"]]);
  });
});

describe("expandCommand", () => {
  it("expands command and args against the final environment", () => {
    const vars = new Map([["NAME", "world"]]);
    expect(expandCommand(["echo", "hello $(NAME)", "$$(NAME)", "$(MISSING)"], vars)).toEqual([
      "echo",
      "hello world",
      "$(NAME)",
      "$(MISSING)",
    ]);
    expect(expandCommand(undefined, vars)).toEqual([]);
  });
});
