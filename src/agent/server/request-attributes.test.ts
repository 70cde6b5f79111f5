import { describe, expect, it } from "vitest";
import { requestAttributes } from "./request-attributes.js";

describe("requestAttributes", () => {
  it.each([
    ["GET", "/stats/summary", "get", "stats"],
    ["GET", "/metrics", "get", "metrics"],
    ["GET", "/metrics/resource", "get", "metrics"],
    ["GET", "/metricsx", "get", "proxy"],
    ["GET", "/logs/syslog", "get", "log"],
    ["GET", "/containerLogs/ns/p/c", "get", "proxy"],
    ["POST", "/exec/ns/p/c", "create", "proxy"],
    ["GET", "/pods", "get", "proxy"],
    ["PUT", "/run/ns/p/c", "update", "proxy"],
  ])("%s %s is %s nodes/%s", (method, path, verb, subresource) => {
    expect(requestAttributes(method, path, "n1")).toEqual({
      verb,
      resource: "nodes",
      subresource,
      name: "n1",
    });
  });
});
