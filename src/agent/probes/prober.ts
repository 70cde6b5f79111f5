/**
 * One probe of one container (kubelet: prober.probe): runs the handler, retries a handler that
 * could not run at all up to three times, and records the kubelet's events: Unhealthy "Liveness
 * probe failed: OUTPUT", ProbeWarning "Readiness probe warning: OUTPUT", Unhealthy "... probe
 * errored and resulted in unknown state: ERR". A warning counts as a success.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import { errorMessage, type Logger } from "../../common/index.js";
import type { EventRecorder, InvolvedObject } from "../events/index.js";
import { PROBE_MAX_RETRIES, REASON_PROBE_WARNING, REASON_UNHEALTHY } from "./constants.js";
import type { ExecRuntime } from "./exec-runner.js";
import type { ProbeOutcome } from "./outcome.js";
import { runProbeHandler, type HandlerTarget } from "./run-handler.js";
import { probeKindTitle, type ProbeKind, type ResolvedProbe } from "./spec.js";

/** What a probe run means for the worker; undefined: the probe errored and its result is thrown away. */
export type ProbeVerdict = "success" | "failure" | undefined;

export interface ProbeTarget extends HandlerTarget {
  readonly pod: IPod;
  /** The container is an init container (a sidecar): its events name spec.initContainers. */
  readonly init: boolean;
}

/** The container an event is about (kubelet: GenerateContainerRef). */
export function containerEventRef(pod: IPod, container: IContainer, init: boolean): InvolvedObject {
  const field = init ? "initContainers" : "containers";
  return {
    kind: "Pod",
    apiVersion: "v1",
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "default",
    uid: pod.metadata?.uid ?? "",
    fieldPath: `spec.${field}{${container.name}}`,
  };
}

export interface ProberOptions {
  readonly runtime: ExecRuntime;
  readonly recorder: EventRecorder;
  readonly log: Logger;
}

export class Prober {
  readonly #o: ProberOptions;

  constructor(options: ProberOptions) {
    this.#o = options;
  }

  async probe(kind: ProbeKind, target: ProbeTarget, spec: ResolvedProbe): Promise<ProbeVerdict> {
    const { recorder, log } = this.#o;
    const ref = containerEventRef(target.pod, target.container, target.init);
    const title = probeKindTitle(kind);
    if (spec.handler === undefined) {
      recorder.event(
        ref,
        "Warning",
        REASON_UNHEALTHY,
        `${title} probe errored and resulted in unknown state: missing probe handler`,
      );
      return undefined;
    }
    let outcome: ProbeOutcome | undefined;
    let lastError: unknown;
    for (let i = 0; i < PROBE_MAX_RETRIES && outcome === undefined; i++) {
      try {
        outcome = await runProbeHandler(this.#o.runtime, spec.handler, target, spec.timeoutSeconds);
      } catch (err) {
        lastError = err;
      }
    }
    if (target.signal?.aborted) return undefined; // the worker stopped: no result, no event
    if (outcome === undefined) {
      log.debug(
        { probe: kind, container: target.container.name, err: errorMessage(lastError) },
        "probe errored",
      );
      recorder.event(
        ref,
        "Warning",
        REASON_UNHEALTHY,
        `${title} probe errored and resulted in unknown state: ${errorMessage(lastError)}`,
      );
      return undefined;
    }
    switch (outcome.result) {
      case "success":
        return "success";
      case "warning":
        recorder.event(ref, "Warning", REASON_PROBE_WARNING, `${title} probe warning: ${outcome.output}`);
        return "success";
      case "failure":
        log.debug({ probe: kind, container: target.container.name, output: outcome.output }, "probe failed");
        recorder.event(ref, "Warning", REASON_UNHEALTHY, `${title} probe failed: ${outcome.output}`);
        return "failure";
      case "unknown":
        return "failure";
    }
  }
}
