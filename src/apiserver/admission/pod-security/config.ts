/**
 * PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1, v1beta1, v1alpha1): the
 * policy a namespace without labels gets, and who is never checked. Validated as upstream's
 * ValidatePodSecurityConfiguration does; errors name the field.
 */
import { BerthError, ErrorCode } from "../../../common/errors.js";
import { isJsonObject } from "../../registry/index.js";
import { LATEST, parseLevel, parseVersion, type Level, type PolicyVersion } from "./levels.js";
import { MODES, type Policy } from "./policy.js";

export const POD_SECURITY_CONFIG_GROUP = "pod-security.admission.config.k8s.io";
const VERSIONS = ["v1", "v1beta1", "v1alpha1"];
export const POD_SECURITY_CONFIG_KIND = "PodSecurityConfiguration";

export interface PodSecurityConfig {
  readonly defaults: Policy;
  readonly exemptions: {
    readonly usernames: ReadonlySet<string>;
    readonly namespaces: ReadonlySet<string>;
    readonly runtimeClasses: ReadonlySet<string>;
  };
}

/** api/v1 SetDefaults_PodSecurityConfiguration: everything privileged, at latest. */
export const DEFAULT_POD_SECURITY_CONFIG: PodSecurityConfig = {
  defaults: {
    enforce: { level: "privileged", version: LATEST },
    audit: { level: "privileged", version: LATEST },
    warn: { level: "privileged", version: LATEST },
  },
  exemptions: { usernames: new Set(), namespaces: new Set(), runtimeClasses: new Set() },
};

const EXEMPTION_KINDS = ["usernames", "namespaces", "runtimeClasses"] as const;

function configError(source: string, problems: readonly string[]): BerthError {
  return new BerthError(
    ErrorCode.Config,
    `${source}: invalid PodSecurityConfiguration: ${problems.join("; ")}`,
  );
}

/** Reads a PodSecurityConfiguration object; `source` names where it came from in errors. */
export function parsePodSecurityConfig(value: unknown, source: string): PodSecurityConfig {
  if (!isJsonObject(value)) throw configError(source, ["must be an object"]);
  const apiVersion = value["apiVersion"];
  if (
    typeof apiVersion !== "string" ||
    !VERSIONS.some((v) => apiVersion === `${POD_SECURITY_CONFIG_GROUP}/${v}`) ||
    value["kind"] !== POD_SECURITY_CONFIG_KIND
  ) {
    throw configError(source, [
      `apiVersion/kind must be ${POD_SECURITY_CONFIG_GROUP}/v1 ${POD_SECURITY_CONFIG_KIND}, not ${String(apiVersion)} ${String(value["kind"])}`,
    ]);
  }
  const problems: string[] = [];
  const defaults = isJsonObject(value["defaults"]) ? value["defaults"] : {};
  const levels = {} as Record<(typeof MODES)[number], { level: Level; version: PolicyVersion }>;
  for (const mode of MODES) {
    const levelText = defaults[mode] ?? "privileged";
    const versionText = defaults[`${mode}-version`] ?? "latest";
    const level = parseLevel(String(levelText));
    const version = parseVersion(String(versionText));
    if (level.error !== undefined)
      problems.push(`defaults.${mode}: Invalid value: ${JSON.stringify(levelText)}: ${level.error}`);
    if (version.error !== undefined) {
      problems.push(
        `defaults.${mode}-version: Invalid value: ${JSON.stringify(versionText)}: ${version.error}`,
      );
    }
    levels[mode] = { level: level.value, version: version.value };
  }
  const exemptionsValue = isJsonObject(value["exemptions"]) ? value["exemptions"] : {};
  const sets = {} as Record<(typeof EXEMPTION_KINDS)[number], Set<string>>;
  for (const kind of EXEMPTION_KINDS) {
    const list = exemptionsValue[kind] ?? [];
    const set = new Set<string>();
    if (!Array.isArray(list)) problems.push(`exemptions.${kind}: must be a list`);
    else {
      list.forEach((item: unknown, i) => {
        const field = `exemptions.${kind}[${i}]`;
        if (typeof item !== "string" || item === "")
          problems.push(`${field}: Invalid value: ${JSON.stringify(item)}: must be a non-empty string`);
        else if (set.has(item)) problems.push(`${field}: Duplicate value: ${JSON.stringify(item)}`);
        else set.add(item);
      });
    }
    sets[kind] = set;
  }
  if (problems.length > 0) throw configError(source, problems);
  return { defaults: levels, exemptions: sets };
}
