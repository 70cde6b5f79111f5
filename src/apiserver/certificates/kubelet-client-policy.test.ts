import { describe, expect, it } from "vitest";
import type { RequestedCertificate } from "../../pki/index.js";
import type { KubeObject } from "../registry/index.js";
import { decideKubeletClient } from "./kubelet-client-policy.js";

const BOOTSTRAPPER = ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token"];

function csr(username: string, groups: string[], usages = ["digital signature", "client auth"]): KubeObject {
  return { metadata: { name: "c" }, spec: { username, groups: [...groups, "system:authenticated"], usages } };
}

function requested(over: Partial<RequestedCertificate> = {}): RequestedCertificate {
  return {
    subject: { commonName: "system:node:n1", organizations: ["system:nodes"] },
    dnsNames: [],
    ipAddresses: [],
    spki: Buffer.alloc(0),
    ...over,
  };
}

describe("decideKubeletClient", () => {
  it("approves a bootstrap token's request (kubeadm's nodeclient)", () => {
    const d = decideKubeletClient(csr("system:bootstrap:abcdef", BOOTSTRAPPER), requested());
    expect(d).toMatchObject({ approve: true });
  });

  it("approves a node renewing its own certificate (selfnodeclient), with key encipherment too", () => {
    const usages = ["key encipherment", "digital signature", "client auth"];
    expect(decideKubeletClient(csr("system:node:n1", ["system:nodes"], usages), requested())).toMatchObject({
      approve: true,
    });
  });

  it("leaves other requesters to an administrator", () => {
    expect(decideKubeletClient(csr("system:node:n2", ["system:nodes"]), requested())).toBeUndefined();
    expect(decideKubeletClient(csr("alice", ["developers"]), requested())).toBeUndefined();
  });

  it.each([
    [
      "another organization",
      requested({ subject: { commonName: "system:node:n1", organizations: ["system:masters"] } }),
      /O must be/,
    ],
    [
      "extra organizations",
      requested({ subject: { commonName: "system:node:n1", organizations: ["system:nodes", "x"] } }),
      /O must be/,
    ],
    [
      "a CN that is not a node",
      requested({ subject: { commonName: "admin", organizations: ["system:nodes"] } }),
      /CN must be/,
    ],
    [
      "an empty node name",
      requested({ subject: { commonName: "system:node:", organizations: ["system:nodes"] } }),
      /CN must be/,
    ],
    ["DNS names", requested({ dnsNames: ["n1"] }), /DNS names or IP/],
    ["IP addresses", requested({ ipAddresses: ["10.0.0.1"] }), /DNS names or IP/],
  ])("denies %s", (_what, r, message) => {
    const d = decideKubeletClient(csr("system:bootstrap:abcdef", BOOTSTRAPPER), r);
    expect(d).toMatchObject({ approve: false, reason: "SignerValidationFailure" });
    expect(d && !d.approve ? d.message : "").toMatch(message);
  });

  it("denies server auth or missing client auth usages", () => {
    for (const usages of [["digital signature", "server auth", "client auth"], ["digital signature"]]) {
      const d = decideKubeletClient(csr("system:bootstrap:abcdef", BOOTSTRAPPER, usages), requested());
      expect(d).toMatchObject({ approve: false });
    }
  });
});
