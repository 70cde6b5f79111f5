/** kubectl's pod columns: NAME READY STATUS RESTARTS AGE, and IP NODE NOMINATED NODE READINESS GATES wide. */
import { age } from "./age.js";
import { AGE_COLUMN, NAME_COLUMN, column, orNone } from "./columns.js";
import { getPath, isJsonObject, stringAt, type JsonObject, type KubeObject } from "./object.js";
import type { TableDefinition } from "./resource.js";

function list(obj: unknown, ...path: string[]): JsonObject[] {
  const v = getPath(obj, ...path);
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

/** Tracks the latest container restart, for "3 (5m ago)". */
class Restarts {
  count = 0;
  last = 0;
  add(status: JsonObject): void {
    this.count += num(status["restartCount"]);
    const finished = getPath(status, "lastState", "terminated", "finishedAt");
    if (typeof finished === "string") this.last = Math.max(this.last, Date.parse(finished) || 0);
  }
}

function conditionTrue(pod: KubeObject, type: string): boolean {
  return list(pod, "status", "conditions").some((c) => c["type"] === type && c["status"] === "True");
}

interface PodSummary {
  readonly ready: string;
  readonly status: string;
  readonly restarts: Restarts;
}

/** printPod's reasoning: init containers first, then the app containers from last to first. */
export function summarizePod(pod: KubeObject): PodSummary {
  const containers = list(pod, "spec", "containers");
  const initSpecs = list(pod, "spec", "initContainers");
  let total = containers.length;
  let ready = 0;
  const restarts = new Restarts();
  const sidecarRestarts = new Restarts();
  let reason = stringAt(pod, "status", "reason") || stringAt(pod, "status", "phase");
  let initializing = false;
  const initStatuses = list(pod, "status", "initContainerStatuses");
  for (const [i, s] of initStatuses.entries()) {
    restarts.add(s);
    const spec = initSpecs.find((c) => c["name"] === s["name"]);
    if (spec?.["restartPolicy"] === "Always") {
      total++;
      sidecarRestarts.add(s);
      if (s["started"] === true && s["ready"] === true) ready++;
      continue;
    }
    const terminated = getPath(s, "state", "terminated");
    const waiting = getPath(s, "state", "waiting");
    if (isJsonObject(terminated) && num(terminated["exitCode"]) === 0) continue;
    initializing = true;
    if (isJsonObject(terminated)) {
      const r = terminated["reason"];
      if (typeof r === "string" && r !== "") reason = `Init:${r}`;
      else if (num(terminated["signal"]) !== 0) reason = `Init:Signal:${num(terminated["signal"])}`;
      else reason = `Init:ExitCode:${num(terminated["exitCode"])}`;
    } else if (
      isJsonObject(waiting) &&
      typeof waiting["reason"] === "string" &&
      waiting["reason"] !== "" &&
      waiting["reason"] !== "PodInitializing"
    ) {
      reason = `Init:${waiting["reason"]}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    break;
  }
  let counted = restarts;
  if (!initializing || conditionTrue(pod, "Initialized")) {
    counted = sidecarRestarts;
    let running = false;
    for (const s of list(pod, "status", "containerStatuses").reverse()) {
      counted.add(s);
      const waiting = getPath(s, "state", "waiting");
      const terminated = getPath(s, "state", "terminated");
      if (isJsonObject(waiting) && typeof waiting["reason"] === "string" && waiting["reason"] !== "") {
        reason = waiting["reason"];
      } else if (isJsonObject(terminated)) {
        const r = terminated["reason"];
        if (typeof r === "string" && r !== "") reason = r;
        else if (num(terminated["signal"]) !== 0) reason = `Signal:${num(terminated["signal"])}`;
        else reason = `ExitCode:${num(terminated["exitCode"])}`;
      } else if (isJsonObject(getPath(s, "state", "running")) && s["ready"] === true) {
        running = true;
        ready++;
      }
    }
    if (reason === "Completed" && running) reason = conditionTrue(pod, "Ready") ? "Running" : "NotReady";
  }
  if (pod.metadata.deletionTimestamp !== undefined) {
    reason = stringAt(pod, "status", "reason") === "NodeLost" ? "Unknown" : "Terminating";
  }
  return { ready: `${ready}/${total}`, status: reason, restarts: counted };
}

function restartsCell(r: Restarts, now: Date): string {
  if (r.last === 0) return String(r.count);
  return `${r.count} (${age(new Date(r.last).toISOString(), now)} ago)`;
}

function readinessGates(pod: KubeObject): string {
  const gates = list(pod, "spec", "readinessGates");
  if (gates.length === 0) return "<none>";
  const ok = gates.filter(
    (g) => typeof g["conditionType"] === "string" && conditionTrue(pod, g["conditionType"]),
  );
  return `${ok.length}/${gates.length}`;
}

export const podTable: TableDefinition = {
  columns: [
    NAME_COLUMN,
    column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "The aggregate status of the containers in this pod."),
    column(
      "Restarts",
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE_COLUMN,
    column(
      "IP",
      "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
      1,
    ),
    column("Node", "NodeName is a request to schedule this pod onto a specific node.", 1),
    column(
      "Nominated Node",
      "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.",
      1,
    ),
    column("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
  ],
  cells(pod, now) {
    const s = summarizePod(pod);
    return [
      pod.metadata.name,
      s.ready,
      s.status,
      restartsCell(s.restarts, now),
      age(pod.metadata.creationTimestamp, now),
      orNone(stringAt(pod, "status", "podIP")),
      orNone(stringAt(pod, "spec", "nodeName")),
      orNone(stringAt(pod, "status", "nominatedNodeName")),
      readinessGates(pod),
    ];
  },
};
