/**
 * The policy a namespace asks for through its labels (api.PolicyToEvaluate): enforce, audit and warn
 * levels with their versions, over the configured defaults. A bad enforce level reads as
 * restricted, a bad audit or warn level as privileged; warn follows a stricter enforce when warn
 * is not labelled.
 */
import type { ErrorCause } from "../../../common/errors.js";
import { invalid } from "../../registry/index.js";
import {
  compareLevels,
  parseLevel,
  parseVersion,
  type Level,
  type LevelVersion,
  type PolicyVersion,
} from "./levels.js";

/** api: the namespace label prefix. */
export const LABEL_PREFIX = "pod-security.kubernetes.io/";
export const MODES = ["enforce", "audit", "warn"] as const;
export type Mode = (typeof MODES)[number];

export type Policy = Readonly<Record<Mode, LevelVersion>>;

export interface EvaluatedPolicy {
  readonly policy: Policy;
  /** field.Invalid on metadata.labels[...] for every unreadable label. */
  readonly errors: readonly ErrorCause[];
}

export function levelLabel(mode: Mode): string {
  return `${LABEL_PREFIX}${mode}`;
}

export function versionLabel(mode: Mode): string {
  return `${LABEL_PREFIX}${mode}-version`;
}

export function policyToEvaluate(
  labels: Readonly<Record<string, string>> | undefined,
  defaults: Policy,
): EvaluatedPolicy {
  const errors: ErrorCause[] = [];
  const levels: Record<Mode, Level> = {
    enforce: defaults.enforce.level,
    audit: defaults.audit.level,
    warn: defaults.warn.level,
  };
  const versions: Record<Mode, PolicyVersion> = {
    enforce: defaults.enforce.version,
    audit: defaults.audit.version,
    warn: defaults.warn.version,
  };
  const present = (key: string) => labels !== undefined && Object.hasOwn(labels, key);
  for (const mode of MODES) {
    const key = levelLabel(mode);
    if (present(key)) {
      const text = labels?.[key] ?? "";
      const parsed = parseLevel(text);
      levels[mode] = parsed.error !== undefined && mode !== "enforce" ? "privileged" : parsed.value;
      if (parsed.error !== undefined) errors.push(invalid(`metadata.labels[${key}]`, text, parsed.error));
    }
    const vkey = versionLabel(mode);
    if (present(vkey)) {
      const text = labels?.[vkey] ?? "";
      const parsed = parseVersion(text);
      versions[mode] = parsed.value;
      if (parsed.error !== undefined) errors.push(invalid(`metadata.labels[${vkey}]`, text, parsed.error));
    }
  }
  const enforceLabelled =
    present(levelLabel("enforce")) && parseLevel(labels?.[levelLabel("enforce")] ?? "").error === undefined;
  if (!present(levelLabel("warn")) && enforceLabelled && compareLevels(levels.enforce, levels.warn) > 0) {
    levels.warn = levels.enforce;
    if (!present(versionLabel("warn"))) versions.warn = versions.enforce;
  }
  return {
    policy: {
      enforce: { level: levels.enforce, version: versions.enforce },
      audit: { level: levels.audit, version: versions.audit },
      warn: { level: levels.warn, version: versions.warn },
    },
    errors,
  };
}
