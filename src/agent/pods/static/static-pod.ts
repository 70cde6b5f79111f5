/**
 * A static pod from a manifest (kubelet: pkg/kubelet/config common.go): decoded from YAML or
 * JSON, named `<name>-<node name>`, bound to the node, its uid an MD5 over the node, the source and
 * the manifest's content (so that an edited manifest is a new pod), and annotated with
 * kubernetes.io/config.hash (the uid), config.source ("file" or "http") and config.seen. It
 * tolerates every NoExecute taint. The API server's pod defaults the agent relies on are filled in,
 * since a static pod never passes through it.
 */
import { createHash } from "node:crypto";
import type { IContainer, IPod } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { BerthError, ErrorCode } from "../../../common/index.js";
import { DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from "../constants.js";
import { DEFAULT_TERMINATION_MESSAGE_PATH } from "../container/index.js";

/** kubelet: kubetypes.ConfigSourceAnnotationKey, ConfigHashAnnotationKey, ConfigFirstSeenAnnotationKey, ConfigMirrorAnnotationKey. */
export const ANNOTATION_CONFIG_SOURCE = "kubernetes.io/config.source";
export const ANNOTATION_CONFIG_HASH = "kubernetes.io/config.hash";
export const ANNOTATION_CONFIG_SEEN = "kubernetes.io/config.seen";
export const ANNOTATION_CONFIG_MIRROR = "kubernetes.io/config.mirror";
/** kubelet: kubetypes.FileSource, HTTPSource, ApiserverSource. */
export type ConfigSource = "file" | "http";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A manifest that is not a valid pod; the message names what is wrong. */
export class ManifestError extends BerthError {
  constructor(message: string) {
    super(ErrorCode.Invalid, message);
  }
}

/** JSON with object keys sorted, so that the hash does not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Every document of a YAML or JSON text; a syntax error is a ManifestError. */
export function decodeManifest(text: string): unknown[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err !== undefined) throw new ManifestError(`not valid YAML or JSON: ${err.message.split("\n")[0]}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** The pods a decoded document holds: a Pod, or the items of a PodList (URL sources only). */
export function podsOf(doc: unknown, allowList: boolean): Record<string, unknown>[] {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new ManifestError("not an object");
  const obj = doc as Record<string, unknown>;
  if (allowList && obj["kind"] === "PodList") {
    const items = obj["items"];
    if (!Array.isArray(items)) throw new ManifestError("PodList without items");
    return items.map((item) => podsOf(item, false)[0] as Record<string, unknown>);
  }
  if (obj["kind"] !== undefined && obj["kind"] !== "Pod") {
    throw new ManifestError(`kind ${JSON.stringify(obj["kind"])} is not Pod`);
  }
  if (obj["apiVersion"] !== undefined && obj["apiVersion"] !== "v1") {
    throw new ManifestError(`apiVersion ${JSON.stringify(obj["apiVersion"])} is not v1`);
  }
  return [obj];
}

function check(pod: IPod): void {
  const name = pod.metadata?.name;
  if (!name)
    throw new ManifestError("invalid pod: metadata.name: Required value: name or generateName is required");
  const containers = pod.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw new ManifestError("invalid pod: spec.containers: Required value");
  }
  containers.forEach((c, i) => {
    if (!c.name) throw new ManifestError(`invalid pod: spec.containers[${i}].name: Required value`);
    if (!c.image) throw new ManifestError(`invalid pod: spec.containers[${i}].image: Required value`);
  });
}

/** core/v1 SetDefaults_Container: the pull policy by tag, the termination message file. */
function defaultContainer(c: IContainer): IContainer {
  const image = c.image ?? "";
  const tagged = /:[^/]+$/.test(image.split("@")[0] ?? "") && !image.endsWith(":latest");
  return {
    terminationMessagePath: DEFAULT_TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: "File",
    imagePullPolicy: image.includes("@") || tagged ? "IfNotPresent" : "Always",
    ...c,
  };
}

export interface StaticPodOptions {
  readonly source: ConfigSource;
  /** The manifest file's path, or the URL. */
  readonly location: string;
  readonly nodeName: string;
}

/** The static pod a manifest describes, with the kubelet's name, uid, binding and annotations. */
export function staticPod(manifest: Record<string, unknown>, options: StaticPodOptions): IPod {
  const pod = structuredClone(manifest) as unknown as IPod;
  check(pod);
  const meta = pod.metadata ?? {};
  let uid = meta.uid;
  if (!uid) {
    const hash = createHash("md5");
    if (options.source === "file") hash.update(`host:${options.nodeName}`).update(`file:${options.location}`);
    else hash.update(`url:${options.location}`);
    uid = hash.update(canonical(manifest)).digest("hex");
  }
  const name = `${meta.name}-${options.nodeName.toLowerCase()}`; // kubelet: generatePodName
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new ManifestError(
      `invalid pod: metadata.name: Invalid value: ${JSON.stringify(name)}: must be a DNS subdomain`,
    );
  }
  const spec = pod.spec ?? { containers: [] };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...meta,
      name,
      uid,
      namespace: meta.namespace || "default",
      annotations: {
        ...meta.annotations,
        [ANNOTATION_CONFIG_HASH]: uid,
        [ANNOTATION_CONFIG_SOURCE]: options.source,
      },
    },
    spec: {
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      terminationGracePeriodSeconds: DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
      schedulerName: "default-scheduler",
      ...spec,
      nodeName: options.nodeName,
      containers: spec.containers.map(defaultContainer),
      ...(spec.initContainers === undefined
        ? {}
        : { initContainers: spec.initContainers.map(defaultContainer) }),
      // kubelet: static pods tolerate NoExecute taints, so that node problems do not evict them.
      tolerations: [...(spec.tolerations ?? []), { operator: "Exists", effect: "NoExecute" }],
    },
    status: { phase: "Pending" },
  };
}

/** Whether the pod is a mirror pod (kubelet: IsMirrorPod). */
export function isMirrorPod(pod: IPod): boolean {
  return pod.metadata?.annotations?.[ANNOTATION_CONFIG_MIRROR] !== undefined;
}

/** Whether mirror is the mirror of the static pod (kubelet: IsMirrorPodOf). */
export function isMirrorPodOf(mirror: IPod, pod: IPod): boolean {
  const hash = pod.metadata?.annotations?.[ANNOTATION_CONFIG_HASH];
  return (
    mirror.metadata?.name === pod.metadata?.name &&
    mirror.metadata?.namespace === pod.metadata?.namespace &&
    hash !== undefined &&
    mirror.metadata?.annotations?.[ANNOTATION_CONFIG_MIRROR] === hash
  );
}

/** "namespace/name". */
export function fullName(pod: IPod): string {
  return `${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""}`;
}
