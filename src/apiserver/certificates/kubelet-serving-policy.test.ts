import { describe, expect, it } from "vitest";
import type { RequestedCertificate } from "../../pki/index.js";
import type { KubeObject } from "../registry/index.js";
import { decideKubeletServing } from "./kubelet-serving-policy.js";

const node: KubeObject = {
  metadata: { name: "n1" },
  status: {
    addresses: [
      { type: "InternalIP", address: "10.0.0.5" },
      { type: "Hostname", address: "n1.local" },
    ],
  },
};

function csr(username = "system:node:n1", usages = ["digital signature", "server auth"]): KubeObject {
  return {
    metadata: { name: "c" },
    spec: { username, groups: ["system:nodes", "system:authenticated"], usages },
  };
}

function requested(over: Partial<RequestedCertificate> = {}): RequestedCertificate {
  return {
    subject: { commonName: "system:node:n1", organizations: ["system:nodes"] },
    dnsNames: ["n1", "n1.local"],
    ipAddresses: ["10.0.0.5"],
    spki: Buffer.alloc(0),
    ...over,
  };
}

describe("decideKubeletServing", () => {
  it("approves a node's request for its own names", () => {
    expect(decideKubeletServing(csr(), requested(), node).approve).toBe(true);
  });

  it.each([
    [
      "another node's address",
      csr(),
      requested({ ipAddresses: ["10.0.0.6"] }),
      /not reported by node "n1": 10.0.0.6/,
    ],
    ["a name the node does not have", csr(), requested({ dnsNames: ["evil"] }), /evil/],
    ["a requester that is not a node", csr("alice"), requested(), /not a node/],
    [
      "a subject for another node",
      csr(),
      requested({ subject: { commonName: "system:node:n2", organizations: ["system:nodes"] } }),
      /CN must be/,
    ],
    ["client auth usage", csr("system:node:n1", ["client auth", "server auth"]), requested(), /usages/],
    ["no names at all", csr(), requested({ dnsNames: [], ipAddresses: [] }), /at least one/],
  ])("denies %s", (_what, c, r, message) => {
    const d = decideKubeletServing(c, r, node);
    expect(d.approve).toBe(false);
    if (!d.approve) expect(d.message).toMatch(message);
  });

  it("denies when the node does not exist", () => {
    const d = decideKubeletServing(csr(), requested(), undefined);
    expect(d).toMatchObject({ approve: false, message: 'node "n1" does not exist' });
  });
});
