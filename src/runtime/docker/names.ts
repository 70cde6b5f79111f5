/**
 * Docker container names that carry a pod's identity, as dockershim wrote them, so that a
 * restarted agent (or a human with `docker ps`) can tell what each container is:
 *   sandbox:   k8s_POD_<pod>_<namespace>_<uid>_<attempt>
 *   container: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>
 * Kubernetes names (DNS labels and subdomains) and uids never contain "_", so it separates safely.
 */
import { BerthError, ErrorCode } from "../../common/index.js";
import { POD_INFRA_CONTAINER_NAME } from "../labels.js";
import type { PodSandboxMetadata } from "../types.js";

const NAME_PREFIX = "k8s"; // dockershim: kubePrefix
const SEPARATOR = "_"; // dockershim: nameDelimiter

export interface ParsedName {
  /** "POD" for a sandbox. */
  readonly container: string;
  readonly pod: string;
  readonly namespace: string;
  readonly uid: string;
  readonly attempt: number;
}

function checkPart(field: string, value: string): string {
  if (value === "" || value.includes(SEPARATOR) || value.includes("/")) {
    throw new BerthError(ErrorCode.Invalid, `${field} "${value}" cannot be part of a Docker container name`, {
      causes: [{ reason: "FieldValueInvalid", message: "must be non-empty without '_' or '/'", field }],
    });
  }
  return value;
}

function checkAttempt(attempt: number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 0) {
    throw new BerthError(ErrorCode.Invalid, `attempt ${attempt} must be a non-negative integer`, {
      causes: [{ reason: "FieldValueInvalid", message: "must be a non-negative integer", field: "attempt" }],
    });
  }
  return attempt;
}

function build(container: string, pod: PodSandboxMetadata, attempt: number): string {
  return [
    NAME_PREFIX,
    checkPart("metadata.name", container),
    checkPart("pod.name", pod.name),
    checkPart("pod.namespace", pod.namespace),
    checkPart("pod.uid", pod.uid),
    String(checkAttempt(attempt)),
  ].join(SEPARATOR);
}

export function sandboxName(pod: PodSandboxMetadata): string {
  return build(POD_INFRA_CONTAINER_NAME, pod, pod.attempt);
}

export function containerName(pod: PodSandboxMetadata, name: string, attempt: number): string {
  if (name === POD_INFRA_CONTAINER_NAME) {
    throw new BerthError(ErrorCode.Invalid, `container name "${name}" is reserved for the pod sandbox`, {
      causes: [{ reason: "FieldValueInvalid", message: "reserved name", field: "metadata.name" }],
    });
  }
  return build(name, pod, attempt);
}

/** Reads a name back (with or without Docker's leading "/"); undefined when it is not one of ours. */
export function parseName(dockerName: string): ParsedName | undefined {
  const name = dockerName.startsWith("/") ? dockerName.slice(1) : dockerName;
  const parts = name.split(SEPARATOR);
  if (parts.length !== 6 || parts[0] !== NAME_PREFIX) return undefined;
  const [, container, pod, namespace, uid, attemptText] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^\d+$/.test(attemptText) || !container || !pod || !namespace || !uid) return undefined;
  const attempt = Number(attemptText);
  if (!Number.isSafeInteger(attempt)) return undefined;
  return { container, pod, namespace, uid, attempt };
}
