import type { IContainer, IPod, IPodSecurityContext, ISecurityContext } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { hasCode, ErrorCode } from "../../../common/index.js";
import type { Image } from "../../../runtime/index.js";
import { verifyRunAsNonRoot } from "./run-as-non-root.js";

const WHERE = '(pod: "web_default(u1)", container: app)';

function pod(sc: IPodSecurityContext | undefined): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: { containers: [], ...(sc === undefined ? {} : { securityContext: sc }) },
  };
}

function container(sc?: ISecurityContext): IContainer {
  return { name: "app", image: "reg.test/app:1", ...(sc === undefined ? {} : { securityContext: sc }) };
}

function image(user: string, uid?: number): Image {
  return {
    id: "sha256:1",
    repoTags: [],
    repoDigests: [],
    size: 1,
    user,
    ...(uid === undefined ? {} : { uid }),
  };
}

/** Runs the check against an image status; returns the error message, or undefined when allowed. */
async function check(
  p: IPod,
  c: IContainer,
  status: Image | undefined,
): Promise<{ message: string | undefined; asked: string[] }> {
  const asked: string[] = [];
  try {
    await verifyRunAsNonRoot(p, c, async (ref) => {
      asked.push(ref);
      return status;
    });
    return { message: undefined, asked };
  } catch (err) {
    expect(hasCode(err, ErrorCode.Invalid)).toBe(true);
    expect((err as { details?: { reason?: string } }).details?.reason).toBe("CreateContainerConfigError");
    return { message: (err as Error).message, asked };
  }
}

describe("verifyRunAsNonRoot", () => {
  it("allows anything, and asks the runtime nothing, without runAsNonRoot", async () => {
    expect(await check(pod(undefined), container({ runAsUser: 0 }), image(""))).toEqual({
      message: undefined,
      asked: [],
    });
    expect((await check(pod({ runAsNonRoot: false }), container(), image(""))).message).toBeUndefined();
  });

  it("decides by runAsUser when one is set, from the container over the pod", async () => {
    const root = await check(pod({ runAsNonRoot: true }), container({ runAsUser: 0 }), image("1000", 1000));
    expect(root).toEqual({ message: `container's runAsUser breaks non-root policy ${WHERE}`, asked: [] });
    const podRoot = await check(
      pod({ runAsNonRoot: true, runAsUser: 0 }),
      container({ runAsUser: 5 }),
      image(""),
    );
    expect(podRoot).toEqual({ message: undefined, asked: [] });
    const fromPod = await check(
      pod({ runAsUser: 0 }),
      container({ runAsNonRoot: true }),
      image("1000", 1000),
    );
    expect(fromPod.message).toBe(`container's runAsUser breaks non-root policy ${WHERE}`);
  });

  it("otherwise decides by the image's user as the runtime reports it", async () => {
    const nonRoot = container({ runAsNonRoot: true });
    const numeric = await check(pod(undefined), nonRoot, image("1000", 1000));
    expect(numeric).toEqual({ message: undefined, asked: ["reg.test/app:1"] });
    expect((await check(pod(undefined), nonRoot, image("0", 0))).message).toBe(
      `container has runAsNonRoot and image will run as root ${WHERE}`,
    );
    // No user in the image (CRI reports neither a uid nor a name) and no image status: root.
    expect((await check(pod(undefined), nonRoot, image(""))).message).toBe(
      `container has runAsNonRoot and image will run as root ${WHERE}`,
    );
    expect((await check(pod(undefined), nonRoot, undefined)).message).toBe(
      `container has runAsNonRoot and image will run as root ${WHERE}`,
    );
    expect((await check(pod(undefined), nonRoot, image("nobody"))).message).toBe(
      `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root ${WHERE}`,
    );
    expect((await check(pod(undefined), nonRoot, image("4294967295", 4294967295))).message).toMatch(
      /^container has runAsNonRoot and image has an invalid user id \(4294967295\)/,
    );
  });
});
