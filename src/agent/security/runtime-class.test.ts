import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode, ManualClock } from "../../common/index.js";
import { RUNTIME_CLASS_CACHE_TTL_MS, RuntimeClassGetter } from "./runtime-class.js";

function fakeClient(classes: Map<string, string>, calls: string[]) {
  return {
    get: <T>(path: string): Promise<T> => {
      calls.push(path);
      const name = path.split("/").pop() ?? "";
      const handler = classes.get(name);
      if (handler === undefined) {
        return Promise.reject(new BerthError(ErrorCode.NotFound, `runtimeclasses "${name}" not found`));
      }
      return Promise.resolve({ handler } as T);
    },
  };
}

describe("RuntimeClassGetter", () => {
  it("gives the default handler without a class and the class's handler otherwise", async () => {
    const calls: string[] = [];
    const getter = new RuntimeClassGetter({
      client: fakeClient(new Map([["gvisor", "runsc"]]), calls),
      clock: new ManualClock(),
    });
    expect(await getter.handler(undefined)).toBe("");
    expect(await getter.handler("")).toBe("");
    expect(await getter.handler("gvisor")).toBe("runsc");
    expect(calls).toEqual(["/apis/node.k8s.io/v1/runtimeclasses/gvisor"]);
  });

  it("keeps a class for a while, then reads it again", async () => {
    const calls: string[] = [];
    const classes = new Map([["fast", "runc"]]);
    const clock = new ManualClock();
    const getter = new RuntimeClassGetter({ client: fakeClient(classes, calls), clock });
    await getter.handler("fast");
    classes.set("fast", "crun");
    expect(await getter.handler("fast")).toBe("runc");
    await clock.advance(RUNTIME_CLASS_CACHE_TTL_MS);
    expect(await getter.handler("fast")).toBe("crun");
    expect(calls).toHaveLength(2);
  });

  it("refuses an unknown class with the kubelet's NotFound, and finds it once created", async () => {
    const calls: string[] = [];
    const classes = new Map<string, string>();
    const getter = new RuntimeClassGetter({ client: fakeClient(classes, calls), clock: new ManualClock() });
    const err = await getter.handler("missing").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BerthError);
    expect((err as BerthError).code).toBe(ErrorCode.NotFound);
    expect((err as BerthError).message).toBe('runtimeclass.node.k8s.io "missing" not found');
    classes.set("missing", "kata");
    expect(await getter.handler("missing")).toBe("kata");
  });
});
