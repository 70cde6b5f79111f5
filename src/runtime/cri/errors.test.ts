import { Metadata, status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/errors.js";
import { criError, type CriSubject } from "./errors.js";

function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

describe("criError", () => {
  const cases: [string, number, string, CriSubject, ErrorCode][] = [
    ["socket gone", status.UNAVAILABLE, "No connection established", "runtime", ErrorCode.RuntimeUnavailable],
    ["deadline", status.DEADLINE_EXCEEDED, "Deadline exceeded", "container", ErrorCode.DeadlineExceeded],
    [
      "missing container",
      status.NOT_FOUND,
      'an error occurred when try to find container "x": not found',
      "container",
      ErrorCode.NotFound,
    ],
    [
      "missing sandbox",
      status.NOT_FOUND,
      'an error occurred when try to find sandbox "x": not found',
      "sandbox",
      ErrorCode.NotFound,
    ],
    [
      "reserved name",
      status.UNKNOWN,
      'failed to reserve sandbox name "web_default_u_0": name "web_default_u_0" is reserved for "abc"',
      "sandbox",
      ErrorCode.AlreadyExists,
    ],
    [
      "pull 401",
      status.UNKNOWN,
      'failed to pull and unpack image "127.0.0.1:5001/app:1": failed to resolve reference: pulling from host 127.0.0.1:5001 failed with status code [manifests 1]: 401 Unauthorized',
      "pull",
      ErrorCode.Unauthorized,
    ],
    [
      "pull missing",
      status.NOT_FOUND,
      'failed to pull and unpack image "127.0.0.1:5000/nope:1": failed to resolve reference "127.0.0.1:5000/nope:1": 127.0.0.1:5000/nope:1: not found',
      "pull",
      ErrorCode.ImageNotFound,
    ],
    [
      "bad reference",
      status.UNKNOWN,
      'failed to pull and unpack image "UPPER/Case": failed to resolve reference "UPPER/Case": invalid reference format',
      "pull",
      ErrorCode.InvalidImageName,
    ],
    [
      "exec timeout",
      status.UNKNOWN,
      "failed to exec in container: timeout 1s exceeded: context deadline exceeded",
      "exec",
      ErrorCode.DeadlineExceeded,
    ],
    [
      "unimplemented",
      status.UNIMPLEMENTED,
      "unknown method PodSandboxStats",
      "sandbox",
      ErrorCode.Unsupported,
    ],
    ["invalid argument", status.INVALID_ARGUMENT, "container_id is required", "container", ErrorCode.Invalid],
    ["anything else", status.UNKNOWN, "failed to create containerd task", "container", ErrorCode.Internal],
  ];

  it.each(cases)("maps %s", (_name, code, details, subject, expected) => {
    const err = grpcError(code, details);
    const mapped = criError(err, "Method", subject, "target-1");
    expect(mapped).toBeInstanceOf(BerthError);
    expect(mapped.code).toBe(expected);
    expect(mapped.cause).toBe(err);
    expect(mapped.message).toContain("Method target-1");
    expect(mapped.details).toMatchObject({ method: "Method", grpcCode: code, target: "target-1" });
  });

  it("does not read 'not found' outside image calls as a missing image", () => {
    expect(criError(grpcError(status.UNKNOWN, "file not found"), "StartContainer", "container").code).toBe(
      ErrorCode.Internal,
    );
  });

  it("keeps BerthErrors and wraps non-gRPC failures as Internal", () => {
    const berth = new BerthError(ErrorCode.NotFound, "x");
    expect(criError(berth, "M", "runtime")).toBe(berth);
    const plain = new TypeError("boom");
    const mapped = criError(plain, "M", "runtime");
    expect(mapped.code).toBe(ErrorCode.Internal);
    expect(mapped.cause).toBe(plain);
  });
});
