/**
 * The PodSecurity admission plugin as the kube-apiserver builds it in (pod-security-admission
 * admission.go): namespace labels are checked on namespace create and update, and tightening
 * enforce warns about the pods already there; a pod is refused when it violates the enforce level,
 * warned about for warn, annotated for audit; workload resources (their pod template) are only
 * warned about and annotated. Exempt users, namespaces and runtime classes are never checked.
 */
import { isDeepStrictEqual } from "node:util";
import type { Clock } from "../../../common/clock.js";
import type { BerthError } from "../../../common/errors.js";
import { getPath, invalidError, isJsonObject, type KubeObject } from "../../registry/index.js";
import {
  admissionForbidden as forbidden,
  isCore,
  type AdmissionAttributes,
  type AdmissionRecorder,
  type ValidatingPlugin,
} from "../admission.js";
import type { PodView } from "./check.js";
import type { PodSecurityConfig } from "./config.js";
import { Evaluator, type AggregateResult } from "./evaluator.js";
import {
  compareLevels,
  levelVersionText,
  sameLevelVersion,
  sameVersion,
  type LevelVersion,
} from "./levels.js";
import { LABEL_PREFIX, policyToEvaluate, type EvaluatedPolicy } from "./policy.js";

/** pod-security-admission: namespaceMaxPodsToCheck. */
export const NAMESPACE_MAX_PODS_TO_CHECK = 3000;
/** pod-security-admission: namespacePodCheckTimeout, how long a namespace's pods are checked. */
export const NAMESPACE_POD_CHECK_TIMEOUT_MS = 1000;

/** api: the audit annotation keys (qualified with the plugin's prefix by the kube-apiserver). */
export const ANNOTATION_EXEMPT = `${LABEL_PREFIX}exempt`;
export const ANNOTATION_ENFORCE_POLICY = `${LABEL_PREFIX}enforce-policy`;
export const ANNOTATION_AUDIT_VIOLATIONS = `${LABEL_PREFIX}audit-violations`;
export const ANNOTATION_ERROR = `${LABEL_PREFIX}error`;

/** Kinds whose spec.template is a pod template (DefaultPodSpecExtractor), among those berth serves. */
const WORKLOADS = new Set([
  "apps/deployments",
  "apps/replicasets",
  "apps/statefulsets",
  "apps/daemonsets",
  "batch/jobs",
]);

export interface PodSecurityDeps {
  readonly config: PodSecurityConfig;
  /** The namespace object (NotFound when absent). */
  getNamespace(name: string): Promise<KubeObject>;
  /** The pods of a namespace. */
  listPods(namespace: string): Promise<readonly KubeObject[]>;
  readonly clock: Pick<Clock, "now">;
}

function labelsOf(obj: KubeObject | undefined): Record<string, string> {
  return (obj?.metadata.labels ?? {}) as Record<string, string>;
}

function podView(metadata: unknown, spec: unknown): PodView {
  const annotations = getPath(metadata, "annotations");
  return {
    annotations: (isJsonObject(annotations) ? annotations : {}) as Record<string, string>,
    spec: isJsonObject(spec) ? spec : {},
  };
}

/** isSignificantPodUpdate: only the mutable fields that matter (images, seccomp annotations) count. */
function isSignificantPodUpdate(pod: KubeObject, old: KubeObject): boolean {
  const annotation = (p: KubeObject, key: string) => p.metadata.annotations?.[key];
  if (
    annotation(pod, "seccomp.security.alpha.kubernetes.io/pod") !==
    annotation(old, "seccomp.security.alpha.kubernetes.io/pod")
  ) {
    return true;
  }
  for (const field of ["containers", "initContainers"]) {
    const now = getPath(pod, "spec", field);
    const before = getPath(old, "spec", field);
    const a = Array.isArray(now) ? now : [];
    const b = Array.isArray(before) ? before : [];
    if (a.length !== b.length) return true;
    for (let i = 0; i < a.length; i++) {
      if (getPath(a[i], "image") !== getPath(b[i], "image")) return true;
      const key = `container.seccomp.security.alpha.kubernetes.io/${String(getPath(a[i], "name") ?? "")}`;
      if (annotation(pod, key) !== annotation(old, key)) return true;
    }
  }
  return false;
}

export class PodSecurityAdmission implements ValidatingPlugin {
  readonly name = "PodSecurity";
  private readonly evaluator = new Evaluator();

  constructor(private readonly deps: PodSecurityDeps) {}

  async validate(a: AdmissionAttributes, recorder: AdmissionRecorder): Promise<void> {
    if (isCore(a.def, "namespaces")) return this.validateNamespace(a, recorder);
    if (isCore(a.def, "pods")) return this.validatePod(a, recorder);
    if (WORKLOADS.has(`${a.def.group}/${a.def.plural}`)) return this.validateWorkload(a, recorder);
  }

  private policyOf(labels: Record<string, string>): EvaluatedPolicy {
    return policyToEvaluate(labels, this.deps.config.defaults);
  }

  private exempt(a: AdmissionAttributes, recorder: AdmissionRecorder): boolean {
    const { exemptions } = this.deps.config;
    if (exemptions.namespaces.has(a.namespace ?? "")) {
      recorder.annotate(ANNOTATION_EXEMPT, "namespace");
      return true;
    }
    if (exemptions.usernames.has(a.user.name)) {
      recorder.annotate(ANNOTATION_EXEMPT, "user");
      return true;
    }
    return false;
  }

  private async validateNamespace(a: AdmissionAttributes, recorder: AdmissionRecorder): Promise<void> {
    const next = this.policyOf(labelsOf(a.object));
    if (a.operation === "CREATE" || a.oldObject === undefined) {
      if (next.errors.length > 0) throw invalidError("Namespace", a.name, next.errors);
      return;
    }
    const old = this.policyOf(labelsOf(a.oldObject));
    if (next.errors.length > 0 && !isDeepStrictEqual(next.errors, old.errors)) {
      throw invalidError("Namespace", a.name, next.errors);
    }
    const enforce = next.policy.enforce;
    const before = old.policy.enforce;
    if (sameLevelVersion(enforce, before) || enforce.level === "privileged") return;
    if (sameVersion(enforce.version, before.version) && compareLevels(enforce.level, before.level) < 1)
      return;
    if (this.deps.config.exemptions.namespaces.has(a.name)) return;
    for (const warning of await this.evaluatePodsInNamespace(a.name, enforce)) recorder.warn(warning);
  }

  /** EvaluatePodsInNamespace: one warning per distinct set of reasons, naming the first pod. */
  private async evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const all = await this.deps.listPods(namespace);
    const pods = all.slice(0, NAMESPACE_MAX_PODS_TO_CHECK);
    const deadline = this.deps.clock.now() + NAMESPACE_POD_CHECK_TIMEOUT_MS;
    const byReason = new Map<string, { name: string; count: number }>();
    let checked = 0;
    for (const pod of pods) {
      checked++;
      const runtimeClass = getPath(pod, "spec", "runtimeClassName");
      const exempt =
        typeof runtimeClass === "string" && this.deps.config.exemptions.runtimeClasses.has(runtimeClass);
      const result = exempt
        ? undefined
        : this.evaluator.evaluate(enforce, podView(pod.metadata, pod["spec"]));
      if (result !== undefined && !result.allowed) {
        const name = pod.metadata.name ?? "";
        const seen = byReason.get(result.reason);
        if (seen === undefined) byReason.set(result.reason, { name, count: 1 });
        else
          byReason.set(result.reason, { name: name < seen.name ? name : seen.name, count: seen.count + 1 });
      }
      if (this.deps.clock.now() >= deadline) break;
    }
    const warnings: string[] = [];
    if (checked < all.length) {
      warnings.push(
        `new PodSecurity enforce level only checked against the first ${checked} of ${all.length} existing pods`,
      );
    }
    if (byReason.size > 0) {
      warnings.push(
        `existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${levelVersionText(enforce)}"`,
      );
    }
    const decorated = [...byReason].map(([reason, { name, count }]) => {
      if (count === 1) return `${name}: ${reason}`;
      if (count === 2) return `${name} (and 1 other pod): ${reason}`;
      return `${name} (and ${count - 1} other pods): ${reason}`;
    });
    return [...warnings, ...decorated.sort()];
  }

  private async validatePod(a: AdmissionAttributes, recorder: AdmissionRecorder): Promise<void> {
    if (this.exempt(a, recorder)) return;
    const ns = await this.deps.getNamespace(a.namespace ?? "");
    const policy = this.policyOf(labelsOf(ns));
    const p = policy.policy;
    if (policy.errors.length === 0 && [p.enforce, p.audit, p.warn].every((lv) => lv.level === "privileged"))
      return;
    if (
      a.operation === "UPDATE" &&
      a.oldObject !== undefined &&
      !isSignificantPodUpdate(a.object, a.oldObject)
    ) {
      return;
    }
    this.evaluatePod(a, recorder, policy, a.object.metadata, a.object["spec"], true);
  }

  private async validateWorkload(a: AdmissionAttributes, recorder: AdmissionRecorder): Promise<void> {
    if (this.exempt(a, recorder)) return;
    const ns = await this.deps.getNamespace(a.namespace ?? "");
    const policy = this.policyOf(labelsOf(ns));
    if (
      policy.errors.length === 0 &&
      policy.policy.audit.level === "privileged" &&
      policy.policy.warn.level === "privileged"
    ) {
      return;
    }
    const template = getPath(a.object, "spec", "template");
    if (!isJsonObject(template)) return;
    this.evaluatePod(a, recorder, policy, template["metadata"], template["spec"], false);
  }

  /** EvaluatePod: enforce (pods only), then audit, then warn unless already refused. */
  private evaluatePod(
    a: AdmissionAttributes,
    recorder: AdmissionRecorder,
    { policy, errors }: EvaluatedPolicy,
    metadata: unknown,
    spec: unknown,
    enforce: boolean,
  ): void {
    const runtimeClass = getPath(spec, "runtimeClassName");
    if (typeof runtimeClass === "string" && this.deps.config.exemptions.runtimeClasses.has(runtimeClass)) {
      recorder.annotate(ANNOTATION_EXEMPT, "runtimeClass");
      return;
    }
    if (errors.length > 0) {
      recorder.annotate(
        ANNOTATION_ERROR,
        `Failed to parse policy: ${errors.map((e) => e.message).join(", ")}`,
      );
    }
    const pod = podView(metadata, spec);
    const results: { lv: LevelVersion; result: AggregateResult }[] = [];
    const evaluate = (lv: LevelVersion): AggregateResult => {
      const cached = results.find((r) => sameLevelVersion(r.lv, lv));
      if (cached !== undefined) return cached.result;
      const result = this.evaluator.evaluate(lv, pod);
      results.push({ lv, result });
      return result;
    };
    let refusal: BerthError | undefined;
    if (enforce) {
      recorder.annotate(ANNOTATION_ENFORCE_POLICY, levelVersionText(policy.enforce));
      const result = evaluate(policy.enforce);
      if (!result.allowed) {
        refusal = forbidden(
          a,
          `violates PodSecurity "${levelVersionText(policy.enforce)}": ${result.detail}`,
        );
      }
    }
    const audit = evaluate(policy.audit);
    if (!audit.allowed) {
      recorder.annotate(
        ANNOTATION_AUDIT_VIOLATIONS,
        `would violate PodSecurity "${levelVersionText(policy.audit)}": ${audit.detail}`,
      );
    }
    if (refusal !== undefined) throw refusal;
    const warn = evaluate(policy.warn);
    if (!warn.allowed)
      recorder.warn(`would violate PodSecurity "${levelVersionText(policy.warn)}": ${warn.detail}`);
  }
}
