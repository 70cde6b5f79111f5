/** Pod builders and status readers shared by the e2e files. */
import type { IContainer, IContainerStatus, IPod, IPodCondition, IPodSpec } from "kubernetes-models/v1";
import { testEnv } from "../support/env.js";

/** Runs until SIGTERM, then exits 0 at once (a shell as PID 1 needs its own trap). */
export const FOREVER = "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done";

/**
 * The runtime conformance container: counts its runs in /runs/count (an emptyDir), fails its
 * first run, succeeds its second, then runs forever.
 */
export const FAIL_SUCCEED_FOREVER = [
  "n=$(( $(cat /runs/count 2>/dev/null || echo 0) + 1 ))",
  "echo $n > /runs/count",
  'echo "run $n"',
  "case $n in 1) exit 1;; 2) exit 0;; esac",
  FOREVER,
].join("\n");

/** Fails its first run, then runs forever. */
export const FAIL_ONCE_THEN_FOREVER = [
  "n=$(( $(cat /runs/count 2>/dev/null || echo 0) + 1 ))",
  "echo $n > /runs/count",
  "[ $n -eq 1 ] && exit 1",
  FOREVER,
].join("\n");

export function shell(name: string, script: string, extra: Partial<IContainer> = {}): IContainer {
  return { name, image: testEnv.testImage(), command: ["sh", "-c", script], ...extra };
}

export function pod(name: string, spec: Partial<IPodSpec> & Pick<IPodSpec, "containers">): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { e2e: "berth" } },
    spec: { terminationGracePeriodSeconds: 2, ...spec },
  };
}

/** A pod whose one container counts its runs in an emptyDir mounted at /runs. */
export function countingPod(
  name: string,
  script: string,
  restartPolicy: "Always" | "OnFailure" | "Never",
): IPod {
  return pod(name, {
    restartPolicy,
    volumes: [{ name: "runs", emptyDir: {} }],
    containers: [shell("app", script, { volumeMounts: [{ name: "runs", mountPath: "/runs" }] })],
  });
}

export function containerStatus(p: IPod, name: string): IContainerStatus | undefined {
  return p.status?.containerStatuses?.find((s) => s.name === name);
}

export function initStatus(p: IPod, name: string): IContainerStatus | undefined {
  return p.status?.initContainerStatuses?.find((s) => s.name === name);
}

export function condition(p: IPod, type: string): IPodCondition | undefined {
  return p.status?.conditions?.find((c) => c.type === type);
}

export function phaseIs(phase: string): (p: IPod) => boolean {
  return (p) => p.status?.phase === phase;
}

/** Running, every container running and ready. */
export function runningAndReady(p: IPod): boolean {
  const statuses = p.status?.containerStatuses ?? [];
  return (
    p.status?.phase === "Running" &&
    statuses.length === (p.spec?.containers.length ?? 0) &&
    statuses.every((s) => s.ready && s.state?.running !== undefined)
  );
}

export function waitingReason(p: IPod, name: string): string | undefined {
  return containerStatus(p, name)?.state?.waiting?.reason;
}

export function uidOf(p: IPod): string {
  const uid = p.metadata?.uid;
  if (uid === undefined) throw new Error(`pod ${p.metadata?.name} has no uid`);
  return uid;
}

/** The row `kubectl get pod NAME` prints (NAME, READY, STATUS, RESTARTS, AGE), by column. */
export async function kubectlPodRow(
  kubectl: (...args: string[]) => Promise<string>,
  name: string,
): Promise<Record<string, string>> {
  const [header = "", row = ""] = (await kubectl("get", "pod", name)).trimEnd().split("\n");
  const starts = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
  return Object.fromEntries(
    starts.map((c, i) => [c.name, row.slice(c.at, starts[i + 1]?.at ?? row.length).trim()]),
  );
}

/** An Event as kubectl prints it (the fields the tests read). */
export interface PodEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count?: number;
  readonly involvedObject: { readonly name: string; readonly fieldPath?: string };
}

/** The events about one pod, through kubectl. */
export async function podEvents(
  kubectl: (...args: string[]) => Promise<string>,
  name: string,
): Promise<PodEvent[]> {
  const list = JSON.parse(await kubectl("get", "events", "-o", "json")) as { items: PodEvent[] };
  return list.items.filter((e) => e.involvedObject.name === name);
}
