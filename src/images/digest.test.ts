import { describe, expect, it } from "vitest";
import { digestHex, sha256Digest } from "./digest.js";

describe("sha256Digest", () => {
  it("gives the OCI digest form", () => {
    // FIPS 180-2 test vector for "abc".
    const digest = sha256Digest("abc");
    expect(digest).toBe("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(digestHex(digest)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Digest(Buffer.from("abc"))).toBe(digest);
  });
});
