/**
 * Baseline checks on what a pod shares with its host: Windows host processes, host namespaces,
 * hostPath volumes, host ports and sysctls (check_windowsHostProcess.go, check_hostNamespaces.go,
 * check_hostPathVolumes.go, check_hostPorts.go, check_sysctls.go).
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

const windowsHostProcess: CheckFn = ({ spec }) => {
  const setters = valueAt(spec, "securityContext", "windowsOptions", "hostProcess") === true ? ["pod"] : [];
  const bad = containersOf(spec)
    .filter((c) => valueAt(securityContext(c), "windowsOptions", "hostProcess") === true)
    .map(nameOf);
  if (setters.length === 0 && bad.length === 0) return ALLOWED;
  return refused(
    "hostProcess",
    settersDetail(setters, bad, " must not set securityContext.windowsOptions.hostProcess=true"),
  );
};

const hostNamespaces: CheckFn = ({ spec }) => {
  const shared = ["hostNetwork", "hostPID", "hostIPC"]
    .filter((f) => spec[f] === true)
    .map((f) => `${f}=true`);
  return shared.length === 0 ? ALLOWED : refused("host namespaces", shared.join(", "));
};

const hostPathVolumes: CheckFn = ({ spec }) => {
  const volumes = Array.isArray(spec["volumes"]) ? spec["volumes"] : [];
  const names = volumes
    .filter((v) => isJsonObject(v) && v["hostPath"] !== undefined && v["hostPath"] !== null)
    .map((v) => nameOf(v as Record<string, unknown>));
  if (names.length === 0) return ALLOWED;
  return refused("hostPath volumes", `${pluralize("volume", "volumes", names.length)} ${joinQuote(names)}`);
};

const hostPorts: CheckFn = ({ spec }) => {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containersOf(spec)) {
    const used = (Array.isArray(c["ports"]) ? c["ports"] : [])
      .map((p) => valueAt(p, "hostPort"))
      .filter((p): p is number => typeof p === "number" && p !== 0);
    if (used.length === 0) continue;
    bad.push(nameOf(c));
    ports.push(...used.map(String));
  }
  if (bad.length === 0) return ALLOWED;
  const unique = sortedSet(ports);
  return refused(
    "hostPort",
    `${containersPhrase(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("hostPort", "hostPorts", unique.length)} ${unique.join(", ")}`,
  );
};

/** check_sysctls.go: the safe set, widened in v1.27, v1.29 and v1.32. */
const SYSCTLS_1_0 = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];

function sysctls(allowed: readonly string[]): CheckFn {
  const safe = new Set(allowed);
  return ({ spec }) => {
    const list = valueAt(spec, "securityContext", "sysctls");
    const names = (Array.isArray(list) ? list : []).map((s) => String(valueAt(s, "name") ?? ""));
    const forbidden = names.filter((n) => !safe.has(n));
    return forbidden.length === 0 ? ALLOWED : refused("forbidden sysctls", forbidden.join(", "));
  };
}

export const HOST_CHECKS: readonly Check[] = [
  { id: "windowsHostProcess", level: "baseline", versions: [{ minimumMinor: 0, check: windowsHostProcess }] },
  { id: "hostNamespaces", level: "baseline", versions: [{ minimumMinor: 0, check: hostNamespaces }] },
  { id: "hostPathVolumes", level: "baseline", versions: [{ minimumMinor: 0, check: hostPathVolumes }] },
  { id: "hostPorts", level: "baseline", versions: [{ minimumMinor: 0, check: hostPorts }] },
  {
    id: "sysctls",
    level: "baseline",
    versions: [
      { minimumMinor: 0, check: sysctls(SYSCTLS_1_0) },
      { minimumMinor: 27, check: sysctls(SYSCTLS_1_27) },
      { minimumMinor: 29, check: sysctls(SYSCTLS_1_29) },
      { minimumMinor: 32, check: sysctls(SYSCTLS_1_32) },
    ],
  },
];
