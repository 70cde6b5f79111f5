/**
 * The same generator drives pods bound to a live node, on containerd and on Docker: mutated pod
 * manifests (bad images, 5,000 env vars, duplicate names, odd numbers and strings) go through the
 * API server, and every one it accepts lands on the agent. The agent never exits, the node stays
 * Ready, every accepted pod settles in a phase with a reason, and once the pods are deleted
 * nothing of them is left in the runtime or the cgroup tree.
 */
import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { BerthError } from "../../src/common/errors.js";
import { RUNTIMES, type TestCluster } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { testEnv } from "../support/env.js";
import { cgroupsOf } from "./cgroups.js";
import { baseManifest, type ServedKind } from "./manifests.js";
import { applyMutations, describeMutation, generateMutations, type Mutation } from "./mutate.js";
import { fuzzSeed, Prng } from "./prng.js";

/** Pod cases per runtime in CI. */
const POD_CASES = Number(process.env.BERTH_FUZZ_POD_CASES ?? 24);
const SETTLE_TIMEOUT_MS = 90_000;
const PODS: ServedKind = {
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  namespaced: true,
  verbs: ["create"],
};

/** Waiting reasons of a container that is still on its way (not yet a settled state). */
const IN_PROGRESS = new Set(["ContainerCreating", "PodInitializing", ""]);

/** A settled state with a reason: running or finished, or waiting for a reason that is not progress. */
export function settledReason(p: IPod): string | undefined {
  const phase = p.status?.phase;
  if (phase === "Running" || phase === "Succeeded" || phase === "Failed") return phase;
  const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  const waiting = statuses.map((s) => s.state?.waiting?.reason ?? "").find((r) => !IN_PROGRESS.has(r));
  if (phase === "Pending" && waiting !== undefined) return `Pending/${waiting}`;
  return undefined;
}

/** What is wrong with a refused create: anything but a 4xx Status with a reason. */
function refusalProblem(err: unknown): string | undefined {
  const details = err instanceof BerthError ? err.details : {};
  const httpStatus = details["httpStatus"];
  const status = details["status"] as { reason?: unknown } | undefined;
  if (typeof httpStatus !== "number") return `no answer: ${String(err).slice(0, 200)}`;
  if (httpStatus < 400 || httpStatus >= 500) return `${httpStatus}: ${String(err).slice(0, 200)}`;
  if (typeof status?.reason !== "string" || status.reason === "")
    return `${httpStatus} without a Status reason: ${String(err).slice(0, 200)}`;
  return undefined;
}

function podCase(seed: number, n: number, cluster: TestCluster): { pod: IPod; mutations: Mutation[] } {
  const prng = Prng.forCase(seed, 10_000 + n);
  const name = `fz-${cluster.runtimeKind}-${n}`;
  const base = baseManifest(PODS, name, testEnv.testImage(), cluster.nodeName);
  // Mutate the pod's spec only: a mutated name or namespace is the API server fuzz's business.
  const mutations = generateMutations(prng, { spec: base["spec"] }).filter(
    (m) => m.op === "many-env" || (m.path[0] === "spec" && m.path[1] !== "nodeName"),
  );
  return { pod: applyMutations(base, mutations) as unknown as IPod, mutations };
}

describe.each(RUNTIMES)("fuzz: pods on a live node (%s)", (runtime) => {
  const cluster = useCluster(runtime);

  it("settles every accepted pod with a reason and leaves nothing behind", async () => {
    const c = cluster();
    const seed = fuzzSeed();
    const cases = Array.from({ length: POD_CASES }, (_, n) => ({ n, ...podCase(seed, n, c) }));
    const accepted: { n: number; name: string; uid: string; mutations: Mutation[] }[] = [];
    let refused = 0;
    let longest = 0;
    // Posted while the agent keeps the machine busy (where the dropped connections of issue 19
    // showed): every refusal is a 4xx Status with a reason, never a 5xx or no answer.
    const badAnswers: string[] = [];
    await Promise.all(
      cases.map(async ({ n, pod, mutations }) => {
        const started = performance.now();
        try {
          const created = await c.createPod(pod);
          if (created.spec?.nodeName !== c.nodeName) return;
          accepted.push({
            n,
            name: created.metadata?.name ?? "",
            uid: created.metadata?.uid ?? "",
            mutations,
          });
        } catch (err) {
          refused++;
          const problem = refusalProblem(err);
          if (problem !== undefined) badAnswers.push(`case ${n}: ${problem}`);
        } finally {
          longest = Math.max(longest, performance.now() - started);
        }
      }),
    );
    const unsettled: string[] = [];
    await Promise.all(
      accepted.map(async (a) => {
        try {
          await c.waitForPod(
            a.name,
            (p) => settledReason(p) !== undefined,
            "a phase with a reason",
            SETTLE_TIMEOUT_MS,
          );
        } catch (err) {
          unsettled.push(
            `case ${a.n} (${a.mutations.map(describeMutation).join("; ")}): ${String(err).slice(0, 300)}`,
          );
        }
      }),
    );
    expect(c.agent.running, await c.agent.tail()).toBe(true);
    await c.waitForNodeReady(5_000);

    // A graceful delete: the agent removes what the pod had on the node, then deletes the object.
    await Promise.all(accepted.map((a) => c.deletePod(a.name)));
    await Promise.all(accepted.map((a) => c.waitForPodGone(a.name, 60_000)));
    const uids = accepted.map((a) => a.uid);
    const left = await c.leftoversOf(uids);
    const cgroups = await cgroupsOf(c.cgroupRoot, uids);
    process.stdout.write(
      `fuzz pods on ${runtime} (seed ${seed}): ${cases.length} cases, ${accepted.length} accepted, ` +
        `${refused} refused, longest create answer ${Math.round(longest)} ms\n`,
    );
    expect({ badAnswers, unsettled, left, cgroups }, `seed ${seed}`).toEqual({
      badAnswers: [],
      unsettled: [],
      left: { sandboxes: [], containers: [] },
      cgroups: [],
    });
    expect(c.agent.running).toBe(true);
  }, 240_000);
});
