import type { INode } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { desiredRoutes, routeChanges } from "./desired-routes.js";

function node(name: string, podCIDR: string | undefined, ip: string | undefined, deleting = false): INode {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: podCIDR === undefined ? {} : { podCIDR, podCIDRs: [podCIDR] },
    status: { addresses: ip === undefined ? [] : [{ type: "InternalIP", address: ip }] },
  };
}

describe("desiredRoutes", () => {
  it("routes every other node's pod range via its InternalIP, and none to itself", () => {
    const nodes = [
      node("w1", "10.244.0.0/24", "192.168.77.11"),
      node("w2", "10.244.1.0/24", "192.168.77.12"),
      node("w3", "10.244.2.0/24", "192.168.77.13"),
    ];
    expect(desiredRoutes(nodes, "w1")).toEqual([
      { destination: "10.244.1.0/24", gateway: "192.168.77.12" },
      { destination: "10.244.2.0/24", gateway: "192.168.77.13" },
    ]);
  });

  it("skips nodes without a pod range, without an IPv4 InternalIP, or being deleted", () => {
    const nodes = [
      node("w1", "10.244.0.0/24", "192.168.77.11"),
      node("new", undefined, "192.168.77.14"),
      node("v6", "10.244.3.0/24", "fd00::1"),
      node("gone", "10.244.4.0/24", "192.168.77.15", true),
    ];
    expect(desiredRoutes(nodes, "w1")).toEqual([]);
  });
});

describe("routeChanges", () => {
  it("adds what is missing, removes what no node wants, and replaces a moved gateway", () => {
    const current = [
      { destination: "10.244.1.0/24", gateway: "192.168.77.12" },
      { destination: "10.244.2.0/24", gateway: "192.168.77.13" },
      { destination: "10.244.9.0/24", gateway: "192.168.77.19" },
    ];
    const desired = [
      { destination: "10.244.1.0/24", gateway: "192.168.77.12" },
      { destination: "10.244.2.0/24", gateway: "192.168.77.23" },
      { destination: "10.244.3.0/24", gateway: "192.168.77.14" },
    ];
    expect(routeChanges(current, desired)).toEqual({
      add: [
        { destination: "10.244.2.0/24", gateway: "192.168.77.23" },
        { destination: "10.244.3.0/24", gateway: "192.168.77.14" },
      ],
      remove: [
        { destination: "10.244.2.0/24", gateway: "192.168.77.13" },
        { destination: "10.244.9.0/24", gateway: "192.168.77.19" },
      ],
    });
    expect(routeChanges(desired, desired)).toEqual({ add: [], remove: [] });
  });
});
