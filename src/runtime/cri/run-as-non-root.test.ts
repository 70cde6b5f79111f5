import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../../common/errors.js";
import type { ContainerConfig, Image } from "../types.js";
import { verifyRunAsNonRoot } from "./run-as-non-root.js";

function config(security: ContainerConfig["security"]): ContainerConfig {
  return {
    metadata: { name: "app", attempt: 0 },
    image: { image: "img:1" },
    command: [],
    args: [],
    envs: [],
    mounts: [],
    labels: {},
    annotations: {},
    logPath: "app/0.log",
    security,
  };
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

function failure(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("verifyRunAsNonRoot", () => {
  it("allows anything without runAsNonRoot", () => {
    expect(failure(() => verifyRunAsNonRoot(config({ runAsUser: 0 }), image("")))).toBeUndefined();
  });

  it("checks an explicit runAsUser without the image", () => {
    expect(
      failure(() => verifyRunAsNonRoot(config({ runAsNonRoot: true, runAsUser: 1000 }), undefined)),
    ).toBeUndefined();
    const err = failure(() => verifyRunAsNonRoot(config({ runAsNonRoot: true, runAsUser: 0 }), undefined));
    expect(hasCode(err, ErrorCode.Invalid)).toBe(true);
    expect((err as Error).message).toMatch(/runAsUser 0/);
  });

  it("falls back to the image user", () => {
    const nonRoot = config({ runAsNonRoot: true });
    expect(failure(() => verifyRunAsNonRoot(nonRoot, image("1000", 1000)))).toBeUndefined();
    expect((failure(() => verifyRunAsNonRoot(nonRoot, image("0", 0))) as Error).message).toMatch(
      /run as root/,
    );
    expect((failure(() => verifyRunAsNonRoot(nonRoot, image(""))) as Error).message).toMatch(/run as root/);
    const named = failure(() => verifyRunAsNonRoot(nonRoot, image("nobody")));
    expect(hasCode(named, ErrorCode.Invalid)).toBe(true);
    expect((named as Error).message).toMatch(/non-numeric user "nobody"/);
    expect((named as { details: Record<string, unknown> }).details["reason"]).toBe(
      "CreateContainerConfigError",
    );
    expect(
      hasCode(
        failure(() => verifyRunAsNonRoot(nonRoot, undefined)),
        ErrorCode.ImageNotFound,
      ),
    ).toBe(true);
  });
});
