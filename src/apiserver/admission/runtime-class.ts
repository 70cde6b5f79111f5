/**
 * The RuntimeClass admission plugin (plugin/pkg/admission/runtimeclass): on pod create, a pod that
 * names a runtime class gets the class's pod overhead and its scheduling (node selector merged,
 * tolerations added); an unknown class, an overhead that disagrees with the class's, or a node
 * selector that contradicts it refuses the pod.
 */
import { isNotFound } from "../../common/errors.js";
import { parseQuantity } from "../../common/quantity.js";
import { cloneJson, getPath, isJsonObject, type KubeObject } from "../registry/index.js";
import {
  admissionForbidden as forbidden,
  isCore,
  type AdmissionAttributes,
  type MutatingPlugin,
  type ValidatingPlugin,
} from "./admission.js";

export interface RuntimeClassDeps {
  /** The RuntimeClass (NotFound when absent). */
  getRuntimeClass(name: string): Promise<KubeObject>;
}

/** apiequality.Semantic on ResourceLists: the same names with equal quantities. */
function sameResources(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const x = a[k];
    const y = b[k];
    if (
      (typeof x !== "string" && typeof x !== "number") ||
      (typeof y !== "string" && typeof y !== "number")
    ) {
      return false;
    }
    try {
      return parseQuantity(x).equals(parseQuantity(y));
    } catch {
      return false;
    }
  });
}

function sameToleration(a: unknown, b: unknown): boolean {
  const keys = ["key", "operator", "value", "effect", "tolerationSeconds"];
  return keys.every((k) => (getPath(a, k) ?? "") === (getPath(b, k) ?? ""));
}

export class RuntimeClassAdmission implements MutatingPlugin, ValidatingPlugin {
  readonly name = "RuntimeClass";

  constructor(private readonly deps: RuntimeClassDeps) {}

  private async classOf(a: AdmissionAttributes): Promise<KubeObject | undefined> {
    const name = getPath(a.object, "spec", "runtimeClassName");
    if (typeof name !== "string" || name === "") return undefined;
    try {
      return await this.deps.getRuntimeClass(name);
    } catch (err) {
      if (isNotFound(err)) throw forbidden(a, `pod rejected: RuntimeClass "${name}" not found`);
      throw err;
    }
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== "CREATE" || !isCore(a.def, "pods")) return;
    const rc = await this.classOf(a);
    const spec = a.object["spec"];
    if (rc === undefined || !isJsonObject(spec)) return;
    const podFixed = getPath(rc, "overhead", "podFixed");
    if (isJsonObject(podFixed)) {
      const overhead = spec["overhead"];
      if (overhead === undefined || overhead === null) spec["overhead"] = cloneJson(podFixed);
      else if (!isJsonObject(overhead) || !sameResources(overhead, podFixed)) {
        throw forbidden(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
      }
    }
    const selector = getPath(rc, "scheduling", "nodeSelector");
    if (isJsonObject(selector)) {
      const own = isJsonObject(spec["nodeSelector"]) ? spec["nodeSelector"] : {};
      for (const [key, value] of Object.entries(selector)) {
        if (Object.hasOwn(own, key) && own[key] !== value) {
          throw forbidden(
            a,
            `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${String(value)}; pod.spec.nodeSelector[${key}] = ${String(own[key])}`,
          );
        }
        own[key] = value;
      }
      spec["nodeSelector"] = own;
    }
    const tolerations = getPath(rc, "scheduling", "tolerations");
    if (Array.isArray(tolerations) && tolerations.length > 0) {
      const own: unknown[] = Array.isArray(spec["tolerations"]) ? spec["tolerations"] : [];
      for (const t of tolerations) if (!own.some((o) => sameToleration(o, t))) own.push(cloneJson(t));
      spec["tolerations"] = own;
    }
  }

  /** Validate: an overhead the pod carries must be its class's. */
  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== "CREATE" || !isCore(a.def, "pods")) return;
    const overhead = getPath(a.object, "spec", "overhead");
    if (overhead === undefined || overhead === null) return;
    const rc = await this.classOf(a);
    const podFixed = getPath(rc, "overhead", "podFixed");
    if (!isJsonObject(podFixed)) {
      throw forbidden(
        a,
        "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead",
      );
    }
    if (!isJsonObject(overhead) || !sameResources(overhead, podFixed)) {
      throw forbidden(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    }
  }
}
