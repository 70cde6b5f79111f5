/**
 * Which sysctls a pod may set (kubelet: pkg/kubelet/sysctl). The safe set is always allowed;
 * allowedUnsafeSysctls adds names and `prefix*` patterns, each of which must be known to be
 * namespaced. A sysctl of the network namespace is refused to a pod on the host network, one of the
 * IPC namespace to a pod on the host IPC namespace. Everything else is refused at admission.
 */
import type { IPod } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../common/index.js";
import type { SecurityAdmitResult } from "./admit-result.js";

/** kubelet: sysctl.ForbiddenReason */
export const REASON_SYSCTL_FORBIDDEN = "SysctlForbidden";

/** The kernel namespace a sysctl lives in (kubelet: utilsysctl.Namespace). */
export type SysctlNamespace = "ipc" | "net";

/** The safe sysctls with the kernel release each first appeared in (kubelet: safeSysctls). */
export const SAFE_SYSCTLS: readonly { readonly name: string; readonly kernel?: string }[] = [
  { name: "kernel.shm_rmid_forced" },
  { name: "net.ipv4.ip_local_port_range" },
  { name: "net.ipv4.tcp_syncookies" },
  { name: "net.ipv4.ping_group_range" },
  { name: "net.ipv4.ip_unprivileged_port_start" },
  { name: "net.ipv4.ip_local_reserved_ports", kernel: "3.16" },
  { name: "net.ipv4.tcp_keepalive_time", kernel: "4.5" },
];

/** kubelet: utilsysctl namespaces (exact names). */
const NAMESPACED: Readonly<Record<string, SysctlNamespace>> = { "kernel.sem": "ipc" };
/** kubelet: utilsysctl prefixNamespaces. */
const NAMESPACED_PREFIXES: readonly (readonly [string, SysctlNamespace])[] = [
  ["kernel.shm", "ipc"],
  ["kernel.msg", "ipc"],
  ["fs.mqueue.", "ipc"],
  ["net.", "net"],
];

/** validation.SysctlMaxLength */
export const SYSCTL_MAX_LENGTH = 253;
const SEGMENT = "([a-z0-9][-_a-z0-9]*)?[a-z0-9*]";
/** policy validation: SysctlContainSlashPatternFmt */
export const SYSCTL_PATTERN_FORMAT = `(${SEGMENT}[\\./])*${SEGMENT}`;
const SYSCTL_PATTERN = new RegExp(`^${SYSCTL_PATTERN_FORMAT}$`);

/** The namespace a sysctl is known to live in, or undefined (kubelet: NamespacedBy). */
export function sysctlNamespace(name: string): SysctlNamespace | undefined {
  const exact = NAMESPACED[name];
  if (exact !== undefined) return exact;
  return NAMESPACED_PREFIXES.find(([prefix]) => name.startsWith(prefix))?.[1];
}

/**
 * A name written with slashes ("net/ipv4/conf/eth0.1/forwarding") in its dotted form
 * ("net.ipv4.conf.eth0/1.forwarding"): dots and slashes swap when the first separator is a
 * slash (kubelet: ConvertSysctlVariableToDotsSeparator).
 */
export function sysctlDotted(name: string): string {
  const first = name.search(/[./]/);
  if (first < 0 || name[first] === ".") return name;
  return name.replace(/[./]/g, (c) => (c === "." ? "/" : "."));
}

/** Compares dotted kernel versions ("6.1.0-13-amd64" >= "4.5"). */
function kernelAtLeast(release: string, wanted: string): boolean {
  const have = (release.match(/^\d+(\.\d+)*/)?.[0] ?? "").split(".").map(Number);
  const want = wanted.split(".").map(Number);
  if (have.length === 0 || Number.isNaN(have[0])) return false;
  for (let i = 0; i < want.length; i++) {
    const h = have[i] ?? 0;
    const w = want[i] ?? 0;
    if (h !== w) return h > w;
  }
  return true;
}

/** The safe sysctls this kernel has (kubelet: SafeSysctlAllowlist). */
export function safeSysctls(kernelRelease: string): string[] {
  return SAFE_SYSCTLS.filter((s) => s.kernel === undefined || kernelAtLeast(kernelRelease, s.kernel)).map(
    (s) => s.name,
  );
}

/** The kubelet's allowlist: the safe set plus allowedUnsafeSysctls (kubelet: patternAllowlist). */
export class SysctlAllowlist {
  readonly #names = new Map<string, SysctlNamespace>();
  readonly #prefixes = new Map<string, SysctlNamespace>();

  /** Throws a Config BerthError for a malformed pattern or one not known to be namespaced. */
  constructor(patterns: readonly string[]) {
    for (const raw of patterns) {
      if (raw.length > SYSCTL_MAX_LENGTH || !SYSCTL_PATTERN.test(raw)) {
        throw new BerthError(
          ErrorCode.Config,
          `sysctl ${JSON.stringify(raw)} must have at most ${SYSCTL_MAX_LENGTH} characters and match regex ${SYSCTL_PATTERN_FORMAT}`,
        );
      }
      const pattern = sysctlDotted(raw);
      if (pattern.endsWith("*")) {
        const prefix = pattern.slice(0, -1);
        const ns = sysctlNamespace(prefix);
        if (ns === undefined) {
          throw new BerthError(
            ErrorCode.Config,
            `the sysctls ${JSON.stringify(pattern)} are not known to be namespaced`,
          );
        }
        this.#prefixes.set(prefix, ns);
      } else {
        const ns = sysctlNamespace(pattern);
        if (ns === undefined) {
          throw new BerthError(
            ErrorCode.Config,
            `the sysctl ${JSON.stringify(pattern)} are not known to be namespaced`,
          );
        }
        this.#names.set(pattern, ns);
      }
    }
  }

  /** Why `name` may not be set in a pod with these host namespaces, or undefined when it may. */
  refusal(name: string, hostNetwork: boolean, hostIPC: boolean): string | undefined {
    const sysctl = sysctlDotted(name);
    let ns = this.#names.get(sysctl);
    if (ns === undefined) {
      for (const [prefix, prefixNs] of this.#prefixes) {
        if (sysctl.startsWith(prefix)) {
          ns = prefixNs;
          break;
        }
      }
    }
    if (ns === undefined) return `${JSON.stringify(sysctl)} not allowlisted`;
    if ((ns === "ipc" && hostIPC) || (ns === "net" && hostNetwork)) {
      return `${JSON.stringify(sysctl)} not allowed with host ${ns} enabled`;
    }
    return undefined;
  }

  /** kubelet: patternAllowlist.Admit; the first refused sysctl is reported. */
  admit(pod: IPod): SecurityAdmitResult {
    const spec = pod.spec;
    for (const sysctl of spec?.securityContext?.sysctls ?? []) {
      const why = this.refusal(sysctl.name, spec?.hostNetwork === true, spec?.hostIPC === true);
      if (why !== undefined) {
        return { admit: false, reason: REASON_SYSCTL_FORBIDDEN, message: `forbidden sysctl: ${why}` };
      }
    }
    return { admit: true };
  }
}
