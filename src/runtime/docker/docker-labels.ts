/**
 * Docker has labels only. A sandbox's or container's CRI labels are stored as they are, its
 * annotations under ANNOTATION_PREFIX, and the adapter's own bookkeeping under INTERNAL_PREFIX
 * (dockershim did the same with "annotation." and "io.kubernetes.docker.type"). Everything under
 * RESERVED_PREFIX belongs to the adapter: a CRI label there is refused, so decoding is exact.
 */
import { BerthError, ErrorCode } from "../../common/index.js";
import type { Labels, NamespaceMode, NamespaceOptions } from "../types.js";

export const RESERVED_PREFIX = "io.berth.docker";
export const INTERNAL_PREFIX = `${RESERVED_PREFIX}/`;
export const ANNOTATION_PREFIX = `${RESERVED_PREFIX}.annotation/`;

/** Bookkeeping keys (without INTERNAL_PREFIX). */
export const InternalLabel = {
  /** "podsandbox" or "container" (dockershim: containerTypeLabelKey). */
  type: "type",
  /** A container's sandbox id (dockershim: sandboxIDLabelKey). */
  sandboxId: "sandbox-id",
  /** Creation time in ns, written by the adapter so that list and status agree to the ns. */
  created: "created",
  /** A container's CRI log path (absolute). */
  logPath: "log-path",
  /** A sandbox's log directory. */
  logDirectory: "log-directory",
  /** A sandbox's requested namespace modes, "network=POD,pid=CONTAINER,ipc=POD". */
  namespaces: "namespaces",
} as const;
export type InternalName = keyof typeof InternalLabel;

export const TYPE_SANDBOX = "podsandbox"; // dockershim: containerTypeLabelSandbox
export const TYPE_CONTAINER = "container"; // dockershim: containerTypeLabelContainer

export type Internal = Partial<Record<InternalName, string>>;

export interface DecodedLabels {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly internal: Internal;
}

const BY_LABEL = new Map<string, InternalName>(
  Object.entries(InternalLabel).map(([name, label]) => [label, name as InternalName]),
);

/** The Docker label that holds one bookkeeping value, e.g. for a list filter. */
export function internalKey(name: InternalName): string {
  return INTERNAL_PREFIX + InternalLabel[name];
}

export function encodeLabels(
  labels: Labels,
  annotations: Labels,
  internal: Internal,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith(RESERVED_PREFIX)) {
      throw new BerthError(
        ErrorCode.Invalid,
        `label "${key}" uses the prefix reserved by the Docker adapter`,
        {
          causes: [
            { reason: "FieldValueInvalid", message: `reserved prefix ${RESERVED_PREFIX}`, field: "labels" },
          ],
        },
      );
    }
    out[key] = value;
  }
  for (const [key, value] of Object.entries(annotations)) out[ANNOTATION_PREFIX + key] = value;
  for (const [name, value] of Object.entries(internal)) {
    if (value !== undefined) out[internalKey(name as InternalName)] = value;
  }
  return out;
}

export function decodeLabels(docker: Readonly<Record<string, string>> | null | undefined): DecodedLabels {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const internal: Internal = {};
  for (const [key, value] of Object.entries(docker ?? {})) {
    if (key.startsWith(ANNOTATION_PREFIX)) {
      annotations[key.slice(ANNOTATION_PREFIX.length)] = value;
    } else if (key.startsWith(INTERNAL_PREFIX)) {
      const name = BY_LABEL.get(key.slice(INTERNAL_PREFIX.length));
      if (name !== undefined) internal[name] = value;
    } else if (!key.startsWith(RESERVED_PREFIX)) {
      labels[key] = value;
    }
  }
  return { labels, annotations, internal };
}

const MODES: readonly NamespaceMode[] = ["POD", "CONTAINER", "NODE", "TARGET"];

export function encodeNamespaces(options: NamespaceOptions): string {
  return `network=${options.network},pid=${options.pid},ipc=${options.ipc}`;
}

/** Reads encodeNamespaces' text back; missing or unknown parts fall back to POD. */
export function decodeNamespaces(text: string | undefined): NamespaceOptions {
  const found: Record<string, NamespaceMode> = {};
  for (const part of (text ?? "").split(",")) {
    const [key, value] = part.split("=");
    if (key && MODES.includes(value as NamespaceMode)) found[key] = value as NamespaceMode;
  }
  return { network: found["network"] ?? "POD", pid: found["pid"] ?? "POD", ipc: found["ipc"] ?? "POD" };
}
