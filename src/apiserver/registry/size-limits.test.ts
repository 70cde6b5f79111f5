import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../common/errors.js";
import { openSqliteStorage, type Storage } from "../storage/index.js";
import { configmaps, MAX_SECRET_SIZE_BYTES } from "./configmaps.js";
import { namespaces } from "./namespaces.js";
import { pods } from "./pods.js";
import { secrets } from "./secrets.js";
import { ResourceStore } from "./store.js";

const MIB = 1024 * 1024;

describe("Kubernetes' size limits", () => {
  let storage: Storage;
  let stores: Record<"cm" | "secret" | "pod", ResourceStore>;

  beforeEach(async () => {
    storage = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
    const ns: ResourceStore = new ResourceStore(namespaces, {
      storage,
      now: () => new Date(),
      requireNamespace: async () => undefined,
    });
    const ctx = {
      storage,
      now: () => new Date(),
      requireNamespace: async (name: string) => void (await ns.get(undefined, name)),
    };
    await ns.create(undefined, { metadata: { name: "default" } });
    stores = {
      cm: new ResourceStore(configmaps, ctx),
      secret: new ResourceStore(secrets, ctx),
      pod: new ResourceStore(pods, ctx),
    };
  });
  afterEach(async () => storage.close());

  it("takes 1 MiB of ConfigMap data, data and binaryData together", async () => {
    const half = MAX_SECRET_SIZE_BYTES / 2;
    const created = await stores.cm.create("default", {
      metadata: { name: "full" },
      data: { a: "x".repeat(half) },
      binaryData: { b: Buffer.alloc(half, 1).toString("base64") },
    });
    expect(created.metadata.name).toBe("full");
  });

  it("refuses a ConfigMap over 1 MiB with kube-apiserver's text", async () => {
    await expect(
      stores.cm.create("default", {
        metadata: { name: "big" },
        data: { a: "x".repeat(MAX_SECRET_SIZE_BYTES / 2), b: "y".repeat(MAX_SECRET_SIZE_BYTES / 2 + 1) },
      }),
    ).rejects.toMatchObject({
      code: ErrorCode.Invalid,
      message: 'ConfigMap "big" is invalid: []: Too long: must have at most 1048576 bytes',
      causes: [{ reason: "FieldValueTooLong", field: "[]" }],
    });
  });

  it("counts a Secret's data decoded and refuses more than 1 MiB", async () => {
    const exact = Buffer.alloc(MAX_SECRET_SIZE_BYTES, 7).toString("base64");
    await stores.secret.create("default", { metadata: { name: "exact" }, data: { k: exact } });
    await expect(
      stores.secret.create("default", {
        metadata: { name: "over" },
        data: { k: exact },
        stringData: { s: "1" },
      }),
    ).rejects.toMatchObject({
      message: 'Secret "over" is invalid: data: Too long: must have at most 1048576 bytes',
    });
  });

  it("refuses an object over etcd's 1.5 MiB request limit as the storage does", async () => {
    const env = Array.from({ length: 4 }, (_, i) => ({ name: `E${i}`, value: "v".repeat(0.5 * MIB) }));
    await expect(
      stores.pod.create("default", {
        metadata: { name: "huge" },
        spec: { containers: [{ name: "c", image: "busybox", env }] },
      }),
    ).rejects.toMatchObject({
      code: ErrorCode.Unsupported,
      message: "etcdserver: request is too large",
      details: expect.objectContaining({ reason: "RequestEntityTooLarge" }),
    });
    await expect(stores.pod.get("default", "huge")).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });
});
