/**
 * The admission chain: mutating plugins in order, then validating plugins in order, as the
 * kube-apiserver runs them around its own validation. A request gets an ObjectAdmission bound to
 * its kind, namespace and user, which the store calls on create and update. Warnings go to the
 * client; audit annotations are logged (berth keeps no audit log).
 */
import type { Logger } from "../../common/log.js";
import type { KubeObject, ObjectAdmission, ResourceDefinition } from "../registry/index.js";
import type {
  AdmissionAttributes,
  AdmissionRecorder,
  AdmissionUser,
  MutatingPlugin,
  ValidatingPlugin,
} from "./admission.js";

export interface AdmissionRequest {
  readonly def: ResourceDefinition;
  readonly namespace: string | undefined;
  readonly user: AdmissionUser;
  readonly dryRun: boolean;
  /** Adds a warning to the answer. */
  readonly warn: (text: string) => void;
}

export interface AdmissionChainOptions {
  readonly mutating: readonly MutatingPlugin[];
  readonly validating: readonly ValidatingPlugin[];
  readonly log: Logger;
}

export class AdmissionChain {
  constructor(private readonly options: AdmissionChainOptions) {}

  /** Admission for one create, update or patch of the main resource. */
  forRequest(request: AdmissionRequest): ObjectAdmission {
    const { mutating, validating, log } = this.options;
    const attributes = (obj: KubeObject, old: KubeObject | undefined): AdmissionAttributes => ({
      operation: old === undefined ? "CREATE" : "UPDATE",
      def: request.def,
      namespace: request.namespace ?? obj.metadata.namespace,
      name: obj.metadata.name ?? "",
      user: request.user,
      dryRun: request.dryRun,
      object: obj,
      oldObject: old,
    });
    const recorder = (a: AdmissionAttributes): { rec: AdmissionRecorder; flush: () => void } => {
      const annotations: Record<string, string> = {};
      return {
        rec: { warn: request.warn, annotate: (key, value) => (annotations[key] = value) },
        flush: () => {
          if (Object.keys(annotations).length === 0) return;
          log.info(
            {
              verb: a.operation === "CREATE" ? "create" : "update",
              resource: request.def.plural,
              ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
              name: a.name,
              user: a.user.name,
              annotations,
            },
            "admission audit annotations",
          );
        },
      };
    };
    return {
      async mutate(obj, old) {
        const a = attributes(obj, old);
        const { rec, flush } = recorder(a);
        try {
          for (const plugin of mutating) await plugin.admit(a, rec);
        } finally {
          flush();
        }
      },
      async validate(obj, old) {
        const a = attributes(obj, old);
        const { rec, flush } = recorder(a);
        try {
          for (const plugin of validating) await plugin.validate(a, rec);
        } finally {
          flush();
        }
      },
    };
  }
}
