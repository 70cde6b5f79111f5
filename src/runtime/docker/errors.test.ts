import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/index.js";
import { fromDockerError, fromMessage, isNotModified } from "./errors.js";

/** The shape dockerode gives a failed call. */
function apiError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), {
    statusCode,
    json: { message },
  });
}

describe("fromDockerError", () => {
  it("maps 404 to NotFound, or ImageNotFound when the image is missing", () => {
    const missing = apiError(404, "No such container: abc");
    const err = fromDockerError(missing, "container", 'container "abc"');
    expect(err.code).toBe(ErrorCode.NotFound);
    expect(err.cause).toBe(missing);
    expect(err.message).toBe('container "abc": No such container: abc');
    expect(fromDockerError(apiError(404, "No such image: busybox:9"), "container", "c").code).toBe(
      ErrorCode.ImageNotFound,
    );
    expect(fromDockerError(apiError(404, "whatever"), "image", "i").code).toBe(ErrorCode.ImageNotFound);
  });

  it("maps 409 to AlreadyExists", () => {
    const err = fromDockerError(
      apiError(409, 'Conflict. The container name "/k8s_x" is already in use'),
      "sandbox",
      "s",
    );
    expect(err.code).toBe(ErrorCode.AlreadyExists);
  });

  it("maps pull failures to Unauthorized, InvalidImageName and ImageNotFound", () => {
    expect(
      fromDockerError(
        apiError(500, "Get https://r/v2/a/manifests/1: no basic auth credentials"),
        "image",
        "i",
      ).code,
    ).toBe(ErrorCode.Unauthorized);
    expect(fromDockerError(apiError(401, "login needed"), "image", "i").code).toBe(ErrorCode.Unauthorized);
    expect(
      fromDockerError(
        apiError(400, "invalid reference format: repository name must be lowercase"),
        "image",
        "i",
      ).code,
    ).toBe(ErrorCode.InvalidImageName);
    expect(
      fromDockerError(apiError(500, "manifest for r/a:1 not found: manifest unknown"), "image", "i").code,
    ).toBe(ErrorCode.ImageNotFound);
    expect(fromMessage(undefined, "unauthorized: authentication required", "image", "i").code).toBe(
      ErrorCode.Unauthorized,
    );
    expect(fromMessage(undefined, "manifest unknown", "image", "i").code).toBe(ErrorCode.ImageNotFound);
  });

  it("maps a missing or dead socket to RuntimeUnavailable", () => {
    const gone = Object.assign(new Error("connect ENOENT /run/docker.sock"), { code: "ENOENT" });
    expect(fromDockerError(gone, "daemon", "d").code).toBe(ErrorCode.RuntimeUnavailable);
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(fromDockerError(refused, "container", "c").code).toBe(ErrorCode.RuntimeUnavailable);
  });

  it("keeps other failures as Internal, and BerthErrors as they are", () => {
    expect(fromDockerError(apiError(500, "OCI runtime create failed"), "container", "c").code).toBe(
      ErrorCode.Internal,
    );
    expect(fromDockerError(apiError(400, "bad parameter"), "container", "c").code).toBe(ErrorCode.Invalid);
    const own = new BerthError(ErrorCode.DeadlineExceeded, "late");
    expect(fromDockerError(own, "exec", "e")).toBe(own);
    expect(fromDockerError(undefined, "daemon", "d").code).toBe(ErrorCode.Internal);
  });

  it("keeps the daemon's words from a streamed call's error", () => {
    const streamed = Object.assign(
      new Error("(HTTP code 404) unexpected - manifest for a:1 not found: manifest unknown "),
      {
        statusCode: 404,
        json: null,
      },
    );
    const err = fromDockerError(streamed, "image", "pull a:1");
    expect(err.message).toBe("pull a:1: manifest for a:1 not found: manifest unknown");
    expect(err.code).toBe(ErrorCode.ImageNotFound);
  });

  it("recognises Docker's 304", () => {
    expect(isNotModified(apiError(304, ""))).toBe(true);
    expect(isNotModified(apiError(404, ""))).toBe(false);
  });
});
