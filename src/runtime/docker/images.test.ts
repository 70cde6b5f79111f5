import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../common/index.js";
import { checkImageRef, consumePull, imageFromInspect, pullTarget, registryAuth } from "./images.js";

describe("pull target", () => {
  it("splits tags and digests, and pulls :latest for a bare name", () => {
    expect(pullTarget("busybox")).toEqual({ fromImage: "busybox", tag: "latest" });
    expect(pullTarget("127.0.0.1:5000/a/b")).toEqual({ fromImage: "127.0.0.1:5000/a/b", tag: "latest" });
    expect(pullTarget("127.0.0.1:5000/a/b:1.2")).toEqual({ fromImage: "127.0.0.1:5000/a/b", tag: "1.2" });
    const digest = `sha256:${"0".repeat(64)}`;
    expect(pullTarget(`r/a@${digest}`)).toEqual({ fromImage: "r/a", tag: digest });
    expect(pullTarget(`r/a:1@${digest}`)).toEqual({ fromImage: "r/a", tag: digest });
  });

  it("refuses malformed references before Docker sees them", () => {
    expect(() => pullTarget("a::b")).toThrow(expect.objectContaining({ code: ErrorCode.InvalidImageName }));
    expect(() => pullTarget("")).toThrow(expect.objectContaining({ code: ErrorCode.InvalidImageName }));
    expect(() => pullTarget("a b")).toThrow(expect.objectContaining({ code: ErrorCode.InvalidImageName }));
  });

  it("accepts image ids where images are looked up", () => {
    expect(() => checkImageRef(`sha256:${"ab".repeat(32)}`)).not.toThrow();
    expect(() => checkImageRef("2a30817e4d0c")).not.toThrow();
    expect(() => checkImageRef("Bad Ref")).toThrow(/invalid image reference/);
  });
});

describe("registry auth", () => {
  it("splits a docker-config auth and passes tokens", () => {
    expect(
      registryAuth({ auth: Buffer.from("bob:s3:cr3t").toString("base64"), serverAddress: "r:5000" }),
    ).toEqual({
      username: "bob",
      password: "s3:cr3t",
      serveraddress: "r:5000",
    });
    expect(registryAuth({ username: "u", password: "p", identityToken: "t" })).toEqual({
      username: "u",
      password: "p",
      identitytoken: "t",
    });
    expect(registryAuth(undefined)).toBeUndefined();
    expect(() => registryAuth({ auth: Buffer.from("nocolon").toString("base64") })).toThrow(/user:password/);
  });
});

describe("image inspect", () => {
  it("reads user, uid and drops <none> tags", () => {
    expect(
      imageFromInspect({
        Id: "sha256:1",
        RepoTags: ["<none>:<none>", "a:1"],
        RepoDigests: null,
        Size: 5,
        Config: { User: "1000:1000" },
      }),
    ).toEqual({ id: "sha256:1", repoTags: ["a:1"], repoDigests: [], size: 5, user: "1000:1000", uid: 1000 });
    expect(imageFromInspect({ Id: "x", Size: 0, Config: { User: "nobody" } })).not.toHaveProperty("uid");
    expect(imageFromInspect({ Id: "x", Size: 0, Config: null })).toMatchObject({ user: "", uid: 0 });
  });
});

describe("pull progress", () => {
  async function* body(...chunks: string[]): AsyncGenerator<Buffer> {
    for (const c of chunks) yield Buffer.from(c);
  }

  it("finishes on a clean stream", async () => {
    await expect(
      consumePull(body('{"status":"Pulling"}\n{"sta', 'tus":"Done"}\n'), "a:1"),
    ).resolves.toBeUndefined();
  });

  it("turns an error message into a coded error", async () => {
    await expect(
      consumePull(
        body(
          '{"status":"x"}\n{"errorDetail":{"message":"unauthorized: authentication required"},"error":"x"}',
        ),
        "a:1",
      ),
    ).rejects.toMatchObject({ code: ErrorCode.Unauthorized });
    await expect(consumePull(body('{"error":"manifest unknown"}\n'), "a:1")).rejects.toMatchObject({
      code: ErrorCode.ImageNotFound,
    });
  });
});
