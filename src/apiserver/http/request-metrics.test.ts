import { describe, expect, it } from "vitest";
import type { ResourceRequest } from "./request-info.js";
import { ApiServerMetrics, requestLabels } from "./request-metrics.js";

const pods: ResourceRequest = { group: "", version: "v1", resource: "pods", namespace: "default" };
const q = (query = "") => new URLSearchParams(query);

describe("the labels a request is counted under", () => {
  it("reports kube-apiserver's verbs and scopes", () => {
    const cases: [string, ResourceRequest, string, string | undefined, string, string][] = [
      ["get", { ...pods, name: "web" }, "", undefined, "GET", "resource"],
      ["list", pods, "", undefined, "LIST", "namespace"],
      ["list", { group: "", version: "v1", resource: "nodes" }, "", undefined, "LIST", "cluster"],
      ["watch", pods, "watch=true", undefined, "WATCH", "namespace"],
      ["create", pods, "", "application/json", "POST", "resource"],
      ["update", { ...pods, name: "web" }, "", "application/json", "PUT", "resource"],
      ["patch", { ...pods, name: "web" }, "", "application/merge-patch+json", "PATCH", "resource"],
      [
        "patch",
        { ...pods, name: "web" },
        "",
        "application/apply-patch+yaml; charset=utf-8",
        "APPLY",
        "resource",
      ],
      ["delete", { ...pods, name: "web" }, "", undefined, "DELETE", "resource"],
      ["deletecollection", pods, "", undefined, "DELETECOLLECTION", "namespace"],
      ["get", { ...pods, name: "web", subresource: "log" }, "", undefined, "CONNECT", "resource"],
      ["get", { ...pods, name: "web", subresource: "status" }, "", undefined, "GET", "resource"],
    ];
    for (const [verb, info, query, contentType, reported, scope] of cases) {
      expect(
        requestLabels(verb, info, q(query), contentType),
        `${verb} ${JSON.stringify(info)}`,
      ).toMatchObject({
        verb: reported,
        scope,
      });
    }
  });

  it("carries the dry-run values sorted and once each", () => {
    expect(requestLabels("create", pods, q("dryRun=All&dryRun=All"), undefined).dryRun).toBe("All");
    expect(requestLabels("create", pods, q(""), undefined).dryRun).toBe("");
  });
});

describe("ApiServerMetrics", () => {
  const started = () => process.hrtime.bigint();

  it("counts a request once, when it ends, under its code", async () => {
    const m = new ApiServerMetrics();
    const labels = requestLabels("list", pods, q(), undefined);
    const end = m.begin(labels, started());
    const open = await m.render();
    expect(open).toContain('apiserver_current_inflight_requests{request_kind="readOnly"} 1');
    expect(open).not.toMatch(/^apiserver_request_total\{/m);
    end(200);
    end(200);
    const text = await m.render();
    expect(text).toContain(
      'apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="200"} 1',
    );
    expect(text).toMatch(
      /^apiserver_request_duration_seconds_bucket\{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",le="0\.005"\} [01]$/m,
    );
    expect(text).toContain('apiserver_current_inflight_requests{request_kind="readOnly"} 0');
    expect(text).toMatch(/^# HELP apiserver_request_total \[STABLE\] /m);
  });

  it("keeps watches and connections in the long-running gauge, writes in the mutating count", async () => {
    const m = new ApiServerMetrics();
    const endWatch = m.begin(requestLabels("watch", pods, q("watch=1"), undefined), started());
    const endCreate = m.begin(requestLabels("create", pods, q(), "application/json"), started());
    let text = await m.render();
    expect(text).toContain(
      'apiserver_longrunning_requests{verb="WATCH",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver"} 1',
    );
    expect(text).toContain('apiserver_current_inflight_requests{request_kind="mutating"} 1');
    expect(text).toContain('apiserver_current_inflight_requests{request_kind="readOnly"} 0');
    endWatch(200);
    endCreate(201);
    text = await m.render();
    expect(text).toMatch(/^apiserver_longrunning_requests\{verb="WATCH",.*\} 0$/m);
    expect(text).toContain('apiserver_current_inflight_requests{request_kind="mutating"} 0');
    expect(text).toMatch(/^apiserver_request_total\{verb="POST",.*code="201"\} 1$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
  });
});
