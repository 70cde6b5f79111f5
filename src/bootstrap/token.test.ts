import { describe, expect, it } from "vitest";
import {
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  authenticateToken,
  formatToken,
  generateToken,
  parseToken,
  tokenIdOf,
  tokenSecret,
  type StoredSecret,
} from "./token.js";

const TOKEN = { id: "abcdef", secret: "0123456789abcdef" };
const NOW = Date.parse("2026-12-03T12:00:00Z");

/** The Secret as the API server stores it: stringData folded into base64 data. */
function stored(over: Record<string, string | undefined> = {}, meta: Partial<StoredSecret["metadata"]> = {}) {
  const secret = tokenSecret(TOKEN, { expiresAt: NOW + 3600_000 }) as {
    metadata: StoredSecret["metadata"];
    type: string;
    stringData: Record<string, string>;
  };
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...secret.stringData, ...over })) {
    if (v !== undefined) data[k] = Buffer.from(v).toString("base64");
  }
  return { metadata: { ...secret.metadata, ...meta }, type: secret.type, data };
}

describe("bootstrap token format", () => {
  it("parses kubeadm's form only", () => {
    expect(parseToken("abcdef.0123456789abcdef")).toEqual(TOKEN);
    expect(parseToken(" abcdef.0123456789abcdef\n")).toEqual(TOKEN);
    for (const bad of ["ABCDEF.0123456789abcdef", "abcde.0123456789abcdef", "abcdef0123456789abcdef", ""]) {
      expect(parseToken(bad)).toBeUndefined();
    }
  });

  it("generates tokens that parse back, and different ones each time", () => {
    const a = generateToken();
    expect(parseToken(formatToken(a))).toEqual(a);
    expect(formatToken(generateToken())).not.toBe(formatToken(a));
  });

  it("builds kubeadm's Secret", () => {
    const s = tokenSecret(TOKEN, { expiresAt: NOW }) as Record<string, never>;
    expect(s).toMatchObject({
      metadata: { name: "bootstrap-token-abcdef", namespace: "kube-system" },
      type: BOOTSTRAP_TOKEN_SECRET_TYPE,
      stringData: {
        "token-id": "abcdef",
        "token-secret": "0123456789abcdef",
        "usage-bootstrap-authentication": "true",
        "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
        expiration: "2026-12-03T12:00:00Z",
      },
    });
    expect(tokenIdOf(stored())).toBe("abcdef");
    expect(tokenIdOf({ ...stored(), type: "Opaque" })).toBeUndefined();
    expect(tokenIdOf(stored({}, { name: "bootstrap-token-other" }))).toBeUndefined();
    expect(tokenIdOf(stored({}, { namespace: "default" }))).toBeUndefined();
  });
});

describe("authenticateToken", () => {
  it("is user system:bootstrap:<id> in system:bootstrappers and the extra groups", () => {
    expect(authenticateToken(TOKEN, stored(), NOW)).toEqual({
      user: {
        name: "system:bootstrap:abcdef",
        groups: ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token"],
      },
    });
    expect(authenticateToken(TOKEN, stored({ expiration: undefined }), NOW)).toHaveProperty("user");
  });

  it.each([
    ["a wrong secret", { id: "abcdef", secret: "fedcba9876543210" }, stored(), /wrong token secret/],
    ["an expired token", TOKEN, stored({ expiration: "2026-12-03T11:59:59Z" }), /expired/],
    ["an unreadable expiration", TOKEN, stored({ expiration: "tomorrow" }), /expired/],
    ["no authentication usage", TOKEN, stored({ "usage-bootstrap-authentication": "false" }), /usage/],
    [
      "a group outside system:bootstrappers",
      TOKEN,
      stored({ "auth-extra-groups": "system:masters" }),
      /extra group/,
    ],
    ["a secret being deleted", TOKEN, stored({}, { deletionTimestamp: "2026-12-03T11:00:00Z" }), /deleted/],
    ["another token's secret", { id: "zzzzzz", secret: "0123456789abcdef" }, stored(), /not a bootstrap/],
  ])("refuses %s", (_what, token, secret, reason) => {
    const result = authenticateToken(token, secret, NOW);
    expect(result).toHaveProperty("reason");
    expect((result as { reason: string }).reason).toMatch(reason);
  });
});
