/**
 * What an admission plugin sees and how it answers (k8s.io/apiserver admission.Attributes):
 * the operation on an object of a kind, by a user; a mutating plugin may change the object, a
 * validating plugin refuses by throwing a BerthError. Both may add warnings for the client and
 * annotations for the audit record.
 */
import { BerthError, ErrorCode } from "../../common/errors.js";
import type { KubeObject, ResourceDefinition } from "../registry/index.js";

export type Operation = "CREATE" | "UPDATE";

export interface AdmissionUser {
  readonly name: string;
  readonly groups: readonly string[];
}

export interface AdmissionAttributes {
  readonly operation: Operation;
  readonly def: ResourceDefinition;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly user: AdmissionUser;
  readonly dryRun: boolean;
  readonly object: KubeObject;
  readonly oldObject: KubeObject | undefined;
}

/** Where a plugin leaves what it has to say besides allow or refuse. */
export interface AdmissionRecorder {
  /** A warning the client prints (`Warning: ...`). */
  warn(text: string): void;
  /** An audit annotation (key already qualified with the plugin's prefix). */
  annotate(key: string, value: string): void;
}

export interface MutatingPlugin {
  readonly name: string;
  admit(attributes: AdmissionAttributes, recorder: AdmissionRecorder): Promise<void>;
}

export interface ValidatingPlugin {
  readonly name: string;
  validate(attributes: AdmissionAttributes, recorder: AdmissionRecorder): Promise<void>;
}

/** True for the core/v1 kind with this plural. */
export function isCore(def: ResourceDefinition, plural: string): boolean {
  return def.group === "" && def.plural === plural;
}

/** admission.NewForbidden: `pods "x" is forbidden: why`, a 403 naming the object. */
export function admissionForbidden(a: AdmissionAttributes, why: string): BerthError {
  const resource = a.def.group === "" ? a.def.plural : `${a.def.plural}.${a.def.group}`;
  return new BerthError(ErrorCode.Forbidden, `${resource} "${a.name}" is forbidden: ${why}`, {
    details: { name: a.name, group: a.def.group, kind: a.def.plural },
  });
}
