/**
 * Restricted checks on the user a container runs as and the volumes a pod may use
 * (check_runAsNonRoot.go, check_runAsUser.go, check_restrictedVolumes.go).
 */
import { isJsonObject } from "../../registry/index.js";
import {
  ALLOWED,
  containersOf,
  containersPhrase,
  joinQuote,
  nameOf,
  pluralize,
  refused,
  securityContext,
  settersDetail,
  sortedSet,
  valueAt,
  type Check,
  type CheckFn,
} from "./check.js";

const runAsNonRoot: CheckFn = ({ spec }) => {
  const setters: string[] = [];
  let podNonRoot = false;
  const podValue = valueAt(spec, "securityContext", "runAsNonRoot");
  if (podValue === false) setters.push("pod");
  else if (podValue === true) podNonRoot = true;
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const own = securityContext(c)?.["runAsNonRoot"];
    if (own === false) explicit.push(nameOf(c));
    else if (own !== true && !podNonRoot) implicit.push(nameOf(c));
  }
  if (setters.length > 0 || explicit.length > 0) {
    return refused(
      "runAsNonRoot != true",
      settersDetail(setters, explicit, " must not set securityContext.runAsNonRoot=false"),
    );
  }
  if (implicit.length === 0) return ALLOWED;
  return refused(
    "runAsNonRoot != true",
    `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`,
  );
};

const runAsUser: CheckFn = ({ spec }) => {
  const setters = valueAt(spec, "securityContext", "runAsUser") === 0 ? ["pod"] : [];
  const explicit = containersOf(spec)
    .filter((c) => securityContext(c)?.["runAsUser"] === 0)
    .map(nameOf);
  if (setters.length === 0 && explicit.length === 0) return ALLOWED;
  return refused("runAsUser=0", settersDetail(setters, explicit, " must not set runAsUser=0"));
};

/** check_restrictedVolumes.go: the volume sources restricted pods may use. */
const ALLOWED_VOLUME_SOURCES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];
/** The sources the check names when a volume uses one. */
const RESTRICTED_VOLUME_SOURCES = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
];

const present = (v: Record<string, unknown>, source: string) => v[source] !== undefined && v[source] !== null;

const restrictedVolumes: CheckFn = ({ spec }) => {
  const bad: string[] = [];
  const types: string[] = [];
  for (const v of Array.isArray(spec["volumes"]) ? spec["volumes"] : []) {
    if (!isJsonObject(v) || ALLOWED_VOLUME_SOURCES.some((s) => present(v, s))) continue;
    bad.push(nameOf(v));
    types.push(RESTRICTED_VOLUME_SOURCES.find((s) => present(v, s)) ?? "unknown");
  }
  if (bad.length === 0) return ALLOWED;
  const unique = sortedSet(types);
  return refused(
    "restricted volume types",
    `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("restricted volume type", "restricted volume types", unique.length)} ${joinQuote(unique)}`,
  );
};

export const USER_CHECKS: readonly Check[] = [
  { id: "runAsNonRoot", level: "restricted", versions: [{ minimumMinor: 0, check: runAsNonRoot }] },
  { id: "runAsUser", level: "restricted", versions: [{ minimumMinor: 23, check: runAsUser }] },
  {
    id: "restrictedVolumes",
    level: "restricted",
    versions: [{ minimumMinor: 0, check: restrictedVolumes, overrides: ["hostPathVolumes"] }],
  },
];
