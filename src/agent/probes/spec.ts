/**
 * A container's probe spec with every default filled, and its handler as a discriminated union
 * (kubelet reads core/v1 Probe; the API server defaults it too, but a pod created by another
 * server may arrive without the defaults).
 */
import type { IContainer, IProbe } from "kubernetes-models/v1";
import {
  PROBE_DEFAULT_FAILURE_THRESHOLD,
  PROBE_DEFAULT_PERIOD_SECONDS,
  PROBE_DEFAULT_SUCCESS_THRESHOLD,
  PROBE_DEFAULT_TIMEOUT_SECONDS,
} from "./constants.js";
import type { Handler } from "./handler.js";
import { handlerOf } from "./handler.js";

export type ProbeKind = "liveness" | "readiness" | "startup";

/** The spec field of each kind, in the order the kubelet adds workers (startup, readiness, liveness). */
export const PROBE_KINDS: readonly ProbeKind[] = ["startup", "readiness", "liveness"];

/** "Liveness", "Readiness", "Startup": how events name a probe (kubelet: probeType.String()). */
export function probeKindTitle(kind: ProbeKind): string {
  return kind === "liveness" ? "Liveness" : kind === "readiness" ? "Readiness" : "Startup";
}

export function probeOf(container: IContainer, kind: ProbeKind): IProbe | undefined {
  switch (kind) {
    case "liveness":
      return container.livenessProbe;
    case "readiness":
      return container.readinessProbe;
    case "startup":
      return container.startupProbe;
  }
}

export interface ResolvedProbe {
  readonly handler: Handler | undefined;
  readonly initialDelaySeconds: number;
  readonly timeoutSeconds: number;
  readonly periodSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
  /** Grace for the kill a failed liveness or startup probe causes (overrides the pod's). */
  readonly terminationGracePeriodSeconds: number | undefined;
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.trunc(value) : fallback;
}

/** The probe with core/v1's defaults (a 0 or missing value takes the default, as SetDefaults_Probe does). */
export function resolveProbe(probe: IProbe, kind: ProbeKind): ResolvedProbe {
  // Validation makes liveness and startup probes use a successThreshold of 1.
  const success =
    kind === "readiness" ? positive(probe.successThreshold, PROBE_DEFAULT_SUCCESS_THRESHOLD) : 1;
  return {
    handler: handlerOf(probe),
    initialDelaySeconds: Math.max(0, Math.trunc(probe.initialDelaySeconds ?? 0)),
    timeoutSeconds: positive(probe.timeoutSeconds, PROBE_DEFAULT_TIMEOUT_SECONDS),
    periodSeconds: positive(probe.periodSeconds, PROBE_DEFAULT_PERIOD_SECONDS),
    successThreshold: success,
    failureThreshold: positive(probe.failureThreshold, PROBE_DEFAULT_FAILURE_THRESHOLD),
    terminationGracePeriodSeconds: probe.terminationGracePeriodSeconds ?? undefined,
  };
}
