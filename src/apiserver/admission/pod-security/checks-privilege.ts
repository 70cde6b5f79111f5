/**
 * Checks on what a container may do beyond an ordinary process: privileged mode, capabilities
 * (baseline's default set; restricted's drop ALL, add only NET_BIND_SERVICE) and privilege
 * escalation (check_privileged.go, check_capabilities_baseline.go,
 * check_capabilities_restricted.go, check_allowPrivilegeEscalation.go).
 */
import {
  ALLOWED,
  containersOf,
  containersPhrase,
  exceptWindows,
  joinQuote,
  nameOf,
  objectAt,
  refused,
  securityContext,
  sortedSet,
  type Check,
  type CheckFn,
  type Container,
} from "./check.js";

const privileged: CheckFn = ({ spec }) => {
  const bad = containersOf(spec)
    .filter((c) => securityContext(c)?.["privileged"] === true)
    .map(nameOf);
  if (bad.length === 0) return ALLOWED;
  return refused("privileged", `${containersPhrase(bad)} must not set securityContext.privileged=true`);
};

/** check_capabilities_baseline.go: capabilities_allowed_1_0, the container runtimes' default set. */
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

function added(c: Container): string[] {
  const add = objectAt(c, "securityContext", "capabilities")?.["add"];
  return (Array.isArray(add) ? add : []).map(String);
}

function addPhrase(containers: readonly string[], capabilities: readonly string[]): string {
  return `${containersPhrase(containers)} must not include ${joinQuote(sortedSet(capabilities))} in securityContext.capabilities.add`;
}

const capabilitiesBaseline: CheckFn = ({ spec }) => {
  const bad: string[] = [];
  const extra: string[] = [];
  for (const c of containersOf(spec)) {
    const beyond = added(c).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (beyond.length === 0) continue;
    bad.push(nameOf(c));
    extra.push(...beyond);
  }
  return bad.length === 0 ? ALLOWED : refused("non-default capabilities", addPhrase(bad, extra));
};

/** check_capabilities_restricted.go: the one capability restricted pods may add. */
const RESTRICTED_ADDABLE = "NET_BIND_SERVICE";

const capabilitiesRestricted: CheckFn = ({ spec }) => {
  const missingDrop: string[] = [];
  const adding: string[] = [];
  const extra: string[] = [];
  for (const c of containersOf(spec)) {
    const capabilities = objectAt(c, "securityContext", "capabilities");
    const drop = capabilities?.["drop"];
    if (!(Array.isArray(drop) && drop.includes("ALL"))) missingDrop.push(nameOf(c));
    const beyond = added(c).filter((cap) => cap !== RESTRICTED_ADDABLE);
    if (beyond.length > 0) {
      adding.push(nameOf(c));
      extra.push(...beyond);
    }
  }
  const details: string[] = [];
  if (missingDrop.length > 0) {
    details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  }
  if (adding.length > 0) details.push(addPhrase(adding, extra));
  return details.length === 0 ? ALLOWED : refused("unrestricted capabilities", details.join("; "));
};

const allowPrivilegeEscalation: CheckFn = ({ spec }) => {
  const bad = containersOf(spec)
    .filter((c) => securityContext(c)?.["allowPrivilegeEscalation"] !== false)
    .map(nameOf);
  if (bad.length === 0) return ALLOWED;
  return refused(
    "allowPrivilegeEscalation != false",
    `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  );
};

export const PRIVILEGE_CHECKS: readonly Check[] = [
  { id: "privileged", level: "baseline", versions: [{ minimumMinor: 0, check: privileged }] },
  {
    id: "capabilities_baseline",
    level: "baseline",
    versions: [{ minimumMinor: 0, check: capabilitiesBaseline }],
  },
  {
    id: "capabilities_restricted",
    level: "restricted",
    versions: [
      { minimumMinor: 22, check: capabilitiesRestricted, overrides: ["capabilities_baseline"] },
      {
        minimumMinor: 25,
        check: exceptWindows(capabilitiesRestricted),
        overrides: ["capabilities_baseline"],
      },
    ],
  },
  {
    id: "allowPrivilegeEscalation",
    level: "restricted",
    versions: [
      { minimumMinor: 8, check: allowPrivilegeEscalation },
      { minimumMinor: 25, check: exceptWindows(allowPrivilegeEscalation) },
    ],
  },
];
