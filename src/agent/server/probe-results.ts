/**
 * Probe outcomes for /metrics/probes (kubelet: prober_probe_total, labels probe_type, result,
 * container, pod, namespace, pod_uid). The prober records each result here; the server renders the
 * counters when scraped. Plain counters, so recording costs nothing until someone scrapes.
 */

export type ProbeType = "Liveness" | "Readiness" | "Startup";
/** kubelet: probe results as the metric names them. */
export type ProbeOutcome = "successful" | "failed" | "unknown";

export interface ProbeResultLabels {
  readonly probeType: ProbeType;
  readonly result: ProbeOutcome;
  readonly container: string;
  readonly pod: string;
  readonly namespace: string;
  readonly podUid: string;
}

/** What the prober is given: record one result. */
export interface ProbeResultRecorder {
  record(labels: ProbeResultLabels): void;
}

export class ProbeResults implements ProbeResultRecorder {
  readonly #counts = new Map<string, { labels: ProbeResultLabels; count: number }>();

  record(labels: ProbeResultLabels): void {
    const key = JSON.stringify([
      labels.probeType,
      labels.result,
      labels.container,
      labels.pod,
      labels.namespace,
      labels.podUid,
    ]);
    const entry = this.#counts.get(key);
    if (entry !== undefined) entry.count += 1;
    else this.#counts.set(key, { labels, count: 1 });
  }

  /** Forgets a pod's counters once it is gone. */
  forgetPod(podUid: string): void {
    for (const [key, e] of this.#counts) if (e.labels.podUid === podUid) this.#counts.delete(key);
  }

  render(): string {
    const lines = [
      "# HELP prober_probe_total [ALPHA] Cumulative number of a liveness, readiness or startup probe for a container by result.",
      "# TYPE prober_probe_total counter",
    ];
    for (const { labels: l, count } of this.#counts.values()) {
      lines.push(
        `prober_probe_total{container="${l.container}",namespace="${l.namespace}",pod="${l.pod}",pod_uid="${l.podUid}",probe_type="${l.probeType}",result="${l.result}"} ${count}`,
      );
    }
    return `${lines.join("\n")}\n`;
  }
}
