/**
 * The admission configuration file (apiserver.config.k8s.io/v1 AdmissionConfiguration), as the
 * kube-apiserver reads --admission-control-config-file: per plugin, an embedded configuration or
 * a path to one (relative to the file). berth reads the PodSecurity plugin's; configuration for a
 * plugin berth does not have is ignored, as the kube-apiserver ignores it for plugins not enabled.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { BerthError, ErrorCode, errorMessage } from "../../common/errors.js";
import { isJsonObject } from "../registry/index.js";
import {
  DEFAULT_POD_SECURITY_CONFIG,
  parsePodSecurityConfig,
  type PodSecurityConfig,
} from "./pod-security/index.js";

const ADMISSION_CONFIG_API_VERSIONS = [
  "apiserver.config.k8s.io/v1",
  "apiserver.config.k8s.io/v1alpha1",
  "apiserver.k8s.io/v1alpha1",
];
const POD_SECURITY_PLUGIN = "PodSecurity";

export interface AdmissionConfiguration {
  readonly podSecurity: PodSecurityConfig;
}

function configError(message: string, cause?: unknown): BerthError {
  return new BerthError(ErrorCode.Config, message, cause === undefined ? {} : { cause });
}

function readDocument(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw configError(`cannot read admission configuration ${path}: ${errorMessage(err)}`, err);
  }
  try {
    return parse(text) as unknown;
  } catch (err) {
    throw configError(`${path} is not YAML or JSON: ${errorMessage(err)}`, err);
  }
}

/** Reads the file; undefined path: every plugin with its defaults. */
export function loadAdmissionConfiguration(path: string | undefined): AdmissionConfiguration {
  if (path === undefined) return { podSecurity: DEFAULT_POD_SECURITY_CONFIG };
  const doc = readDocument(path);
  if (
    !isJsonObject(doc) ||
    doc["kind"] !== "AdmissionConfiguration" ||
    !ADMISSION_CONFIG_API_VERSIONS.includes(String(doc["apiVersion"]))
  ) {
    throw configError(
      `${path}: expected apiVersion apiserver.config.k8s.io/v1 and kind AdmissionConfiguration`,
    );
  }
  const plugins = doc["plugins"] ?? [];
  if (!Array.isArray(plugins)) throw configError(`${path}: plugins must be a list`);
  let podSecurity = DEFAULT_POD_SECURITY_CONFIG;
  for (const [i, plugin] of plugins.entries()) {
    if (!isJsonObject(plugin) || typeof plugin["name"] !== "string") {
      throw configError(`${path}: plugins[${i}].name is required`);
    }
    if (plugin["name"] !== POD_SECURITY_PLUGIN) continue;
    const where = `${path} plugins[${i}]`;
    if (plugin["configuration"] !== undefined) {
      podSecurity = parsePodSecurityConfig(plugin["configuration"], where);
    } else if (typeof plugin["path"] === "string") {
      const file = resolve(dirname(path), plugin["path"]);
      podSecurity = parsePodSecurityConfig(readDocument(file), file);
    } else {
      throw configError(`${where}: PodSecurity needs a configuration or a path`);
    }
  }
  return { podSecurity };
}
