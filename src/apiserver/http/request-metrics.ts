/**
 * The API server's /metrics (kube-apiserver: k8s.io/apiserver/pkg/endpoints/metrics): every
 * resource request counted and timed by verb, group, version, resource, subresource, scope and
 * response code once it ends, the long-running requests (watches and connections to pods) open
 * now, the requests in flight by kind, and the process collector. Rendered in the Prometheus text
 * format from in-house counters (src/common/metrics), as the agent's /metrics is.
 */
import { Counter, Histogram, formatLabels, header, processMetrics } from "../../common/metrics/index.js";
import type { ResourceRequest } from "./request-info.js";

/** kube-apiserver: the buckets of apiserver_request_duration_seconds, chosen for its latency SLOs. */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
];

/** The component label of every request metric. */
const COMPONENT = "apiserver";

/** Subresources whose requests are reported as CONNECT (kube-apiserver: validConnectRequests). */
const CONNECT_SUBRESOURCES: ReadonlySet<string> = new Set(["log", "exec", "portforward", "attach", "proxy"]);

const APPLY_PATCH = "application/apply-patch+yaml";

/** The labels a resource request is counted under, in the order of the metrics' label names. */
export interface RequestLabels {
  readonly verb: string;
  readonly dryRun: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly scope: string;
}

/**
 * kube-apiserver's reported verb and scope for a request whose authorization verb is `verb`
 * (get, list, watch, create, update, patch, delete, deletecollection): LIST apart from GET,
 * WATCH, APPLY for server-side apply patches, CONNECT for the streaming and proxy subresources;
 * scope "resource" for a named object or a create, "namespace" within one, "cluster" otherwise.
 */
export function requestLabels(
  verb: string,
  info: ResourceRequest,
  query: URLSearchParams,
  contentType: string | undefined,
): RequestLabels {
  let reported = REPORTED_VERBS[verb] ?? "other";
  if (reported === "PATCH" && contentType?.split(";")[0]?.trim() === APPLY_PATCH) reported = "APPLY";
  if (info.subresource !== undefined && CONNECT_SUBRESOURCES.has(info.subresource)) reported = "CONNECT";
  const scope =
    info.name !== undefined || verb === "create"
      ? "resource"
      : info.namespace !== undefined
        ? "namespace"
        : "cluster";
  return {
    verb: reported,
    dryRun: [...new Set(query.getAll("dryRun"))].sort().join(","),
    group: info.group,
    version: info.version,
    resource: info.resource,
    subresource: info.subresource ?? "",
    scope,
  };
}

const REPORTED_VERBS: Readonly<Record<string, string>> = {
  get: "GET",
  list: "LIST",
  watch: "WATCH",
  create: "POST",
  update: "PUT",
  patch: "PATCH",
  delete: "DELETE",
  deletecollection: "DELETECOLLECTION",
};

/** Watches and connections to pods stay open: kube-apiserver's long-running requests. */
export function isLongRunning(labels: RequestLabels): boolean {
  return labels.verb === "WATCH" || labels.verb === "CONNECT";
}

export class ApiServerMetrics {
  readonly #requests = new Counter({
    name: "apiserver_request_total",
    help: "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
    labelNames: [
      "verb",
      "dry_run",
      "group",
      "version",
      "resource",
      "subresource",
      "scope",
      "component",
      "code",
    ],
    stability: "STABLE",
  });
  readonly #durations = new Histogram({
    name: "apiserver_request_duration_seconds",
    help: "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
    labelNames: ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"],
    buckets: REQUEST_DURATION_BUCKETS,
    stability: "STABLE",
  });
  /** Open long-running requests by their labels (without dry_run, as kube-apiserver's gauge). */
  readonly #longRunning = new Map<string, { values: string[]; open: number }>();
  #readOnly = 0;
  #mutating = 0;

  /**
   * A request that reached its handler starts; the returned function ends it with its response
   * code. Long-running requests count in their gauge meanwhile, the others as in flight.
   */
  begin(labels: RequestLabels, startedAt: bigint): (code: number) => void {
    const longRunning = isLongRunning(labels);
    const mutating = !READ_ONLY_VERBS.has(labels.verb);
    let gauge: { values: string[]; open: number } | undefined;
    if (longRunning) {
      const values = [
        labels.verb,
        labels.group,
        labels.version,
        labels.resource,
        labels.subresource,
        labels.scope,
        COMPONENT,
      ];
      const key = values.join("\u0000");
      gauge = this.#longRunning.get(key);
      if (gauge === undefined) {
        gauge = { values, open: 0 };
        this.#longRunning.set(key, gauge);
      }
      gauge.open += 1;
    } else if (mutating) this.#mutating += 1;
    else this.#readOnly += 1;
    let ended = false;
    return (code) => {
      if (ended) return;
      ended = true;
      if (gauge !== undefined) gauge.open -= 1;
      else if (mutating) this.#mutating -= 1;
      else this.#readOnly -= 1;
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const { verb, dryRun, group, version, resource, subresource, scope } = labels;
      this.#requests.inc(verb, dryRun, group, version, resource, subresource, scope, COMPONENT, String(code));
      this.#durations.observe(seconds, verb, dryRun, group, version, resource, subresource, scope, COMPONENT);
    };
  }

  async render(): Promise<string> {
    let out = this.#requests.render() + this.#durations.render();
    out += header(
      "apiserver_longrunning_requests",
      "Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.",
      "gauge",
      "STABLE",
    );
    const names = ["verb", "group", "version", "resource", "subresource", "scope", "component"];
    for (const g of this.#longRunning.values()) {
      out += `apiserver_longrunning_requests${formatLabels(names, g.values)} ${g.open}\n`;
    }
    out += header(
      "apiserver_current_inflight_requests",
      "Number of requests in flight in this apiserver, by request kind, at the time of the scrape.",
      "gauge",
      "STABLE",
    );
    out += `apiserver_current_inflight_requests{request_kind="mutating"} ${this.#mutating}\n`;
    out += `apiserver_current_inflight_requests{request_kind="readOnly"} ${this.#readOnly}\n`;
    return out + (await processMetrics());
  }
}

/** kube-apiserver counts these as read-only in flight; everything else is mutating. */
const READ_ONLY_VERBS: ReadonlySet<string> = new Set(["GET", "LIST", "WATCH", "CONNECT"]);
