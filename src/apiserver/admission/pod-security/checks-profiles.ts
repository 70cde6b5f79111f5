/**
 * Baseline and restricted checks on the kernel's confinement of a container: AppArmor, SELinux,
 * seccomp and /proc mounts (check_appArmorProfile.go, check_seLinuxOptions.go,
 * check_seccompProfile_baseline.go, check_seccompProfile_restricted.go, check_procMount.go).
 */
import {
  ALLOWED,
  containersOf,
  containersPhrase,
  exceptWindows,
  goQuote,
  joinQuote,
  nameOf,
  objectAt,
  pluralize,
  refused,
  securityContext,
  settersDetail,
  sortedSet,
  valueAt,
  type Check,
  type CheckFn,
} from "./check.js";

/** core/v1: AppArmorBetaContainerAnnotationKeyPrefix. */
const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const CONFINING_TYPES = new Set(["RuntimeDefault", "Localhost"]);

function allowedAppArmorAnnotation(value: string): boolean {
  return value === "" || value === "runtime/default" || value.startsWith("localhost/");
}

const appArmorProfile: CheckFn = ({ annotations, spec }) => {
  const setters: string[] = [];
  const types: string[] = [];
  const podProfile = objectAt(spec, "securityContext", "appArmorProfile");
  if (podProfile !== undefined && !CONFINING_TYPES.has(String(podProfile["type"] ?? ""))) {
    setters.push("pod");
    types.push(String(podProfile["type"] ?? ""));
  }
  const bad: string[] = [];
  for (const c of containersOf(spec)) {
    const profile = objectAt(securityContext(c), "appArmorProfile");
    if (profile === undefined || CONFINING_TYPES.has(String(profile["type"] ?? ""))) continue;
    bad.push(nameOf(c));
    types.push(String(profile["type"] ?? ""));
  }
  if (bad.length > 0) setters.push(containersPhrase(bad));
  const forbiddenAnnotations = Object.entries(annotations)
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(v))
    .map(([k, v]) => `${k}=${goQuote(v)}`)
    .sort();
  if (forbiddenAnnotations.length > 0) {
    setters.push(pluralize("annotation", "annotations", forbiddenAnnotations.length));
  }
  if (setters.length === 0) return ALLOWED;
  const values = [...sortedSet(types), ...forbiddenAnnotations];
  return refused(
    pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.length),
    `${setters.join(" and ")} must not set AppArmor profile type to ${joinQuote(values)}`,
  );
};

/** check_seLinuxOptions.go: the container types allowed, container_engine_t from v1.31. */
const SELINUX_TYPES_1_0 = ["", "container_t", "container_init_t", "container_kvm_t"];
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, "container_engine_t"];

function seLinuxOptions(allowedTypes: readonly string[]): CheckFn {
  const allowed = new Set(allowedTypes);
  return ({ spec }) => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (opts: Record<string, unknown>): boolean => {
      let ok = true;
      const type = typeof opts["type"] === "string" ? opts["type"] : "";
      if (!allowed.has(type)) {
        ok = false;
        badTypes.push(type);
      }
      if (typeof opts["user"] === "string" && opts["user"] !== "") {
        ok = false;
        setUser = true;
      }
      if (typeof opts["role"] === "string" && opts["role"] !== "") {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const setters: string[] = [];
    const podOptions = objectAt(spec, "securityContext", "seLinuxOptions");
    if (podOptions !== undefined && !valid(podOptions)) setters.push("pod");
    const bad = containersOf(spec)
      .filter((c) => {
        const opts = objectAt(securityContext(c), "seLinuxOptions");
        return opts !== undefined && !valid(opts);
      })
      .map(nameOf);
    if (setters.length === 0 && bad.length === 0) return ALLOWED;
    const data: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length > 0) data.push(`${pluralize("type", "types", types.length)} ${joinQuote(types)}`);
    if (setUser) data.push("user may not be set");
    if (setRole) data.push("role may not be set");
    return refused(
      "seLinuxOptions",
      settersDetail(setters, bad, ` set forbidden securityContext.seLinuxOptions: ${data.join("; ")}`),
    );
  };
}

/** core/v1: SeccompPodAnnotationKey and SeccompContainerAnnotationKeyPrefix. */
const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

function allowedSeccompAnnotation(value: string): boolean {
  return value === "runtime/default" || value === "docker/default" || value.startsWith("localhost/");
}

/** Before v1.19 seccomp was set by annotations. */
const seccompAnnotations: CheckFn = ({ annotations, spec }) => {
  const keys = [
    SECCOMP_POD_ANNOTATION,
    ...containersOf(spec).map((c) => SECCOMP_CONTAINER_ANNOTATION_PREFIX + nameOf(c)),
  ];
  const forbidden = sortedSet(
    keys
      .filter((k) => Object.hasOwn(annotations, k) && !allowedSeccompAnnotation(annotations[k] ?? ""))
      .map((k) => `${k}=${goQuote(annotations[k] ?? "")}`),
  );
  if (forbidden.length === 0) return ALLOWED;
  return refused(
    "seccompProfile",
    `forbidden ${pluralize("annotation", "annotations", forbidden.length)} ${forbidden.join(", ")}`,
  );
};

interface SeccompSetters {
  readonly setters: string[];
  readonly explicit: string[];
  readonly implicit: string[];
  readonly values: string[];
}

/** Who sets a seccomp type other than RuntimeDefault or Localhost, and who leaves it unset. */
function seccompSetters(spec: Record<string, unknown>): SeccompSetters {
  const setters: string[] = [];
  const values: string[] = [];
  let podSet = false;
  const podProfile = objectAt(spec, "securityContext", "seccompProfile");
  if (podProfile !== undefined) {
    if (CONFINING_TYPES.has(String(podProfile["type"] ?? ""))) podSet = true;
    else {
      setters.push("pod");
      values.push(String(podProfile["type"] ?? ""));
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const profile = objectAt(securityContext(c), "seccompProfile");
    if (profile !== undefined) {
      if (!CONFINING_TYPES.has(String(profile["type"] ?? ""))) {
        explicit.push(nameOf(c));
        values.push(String(profile["type"] ?? ""));
      }
    } else if (!podSet) {
      implicit.push(nameOf(c));
    }
  }
  return { setters, explicit, implicit, values: sortedSet(values) };
}

function forbiddenSeccomp(s: SeccompSetters) {
  return refused(
    "seccompProfile",
    settersDetail(
      s.setters,
      s.explicit,
      ` must not set securityContext.seccompProfile.type to ${joinQuote(s.values)}`,
    ),
  );
}

const seccompBaseline: CheckFn = ({ spec }) => {
  const s = seccompSetters(spec);
  return s.setters.length === 0 && s.explicit.length === 0 ? ALLOWED : forbiddenSeccomp(s);
};

const seccompRestricted: CheckFn = ({ spec }) => {
  const s = seccompSetters(spec);
  if (s.setters.length > 0 || s.explicit.length > 0) return forbiddenSeccomp(s);
  if (s.implicit.length === 0) return ALLOWED;
  return refused(
    "seccompProfile",
    `pod or ${containersPhrase(s.implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
  );
};

const procMount: CheckFn = ({ spec }) => {
  const bad: string[] = [];
  const types: string[] = [];
  for (const c of containersOf(spec)) {
    const mount = valueAt(securityContext(c), "procMount");
    if (mount === undefined || mount === null || mount === "Default") continue;
    bad.push(nameOf(c));
    types.push(String(mount));
  }
  if (bad.length === 0) return ALLOWED;
  return refused(
    "procMount",
    `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
  );
};

export const PROFILE_CHECKS: readonly Check[] = [
  { id: "appArmorProfile", level: "baseline", versions: [{ minimumMinor: 0, check: appArmorProfile }] },
  {
    id: "seLinuxOptions",
    level: "baseline",
    versions: [
      { minimumMinor: 0, check: seLinuxOptions(SELINUX_TYPES_1_0) },
      { minimumMinor: 31, check: seLinuxOptions(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: "seccompProfile_baseline",
    level: "baseline",
    versions: [
      { minimumMinor: 0, check: seccompAnnotations },
      { minimumMinor: 19, check: seccompBaseline },
    ],
  },
  {
    id: "seccompProfile_restricted",
    level: "restricted",
    versions: [
      { minimumMinor: 19, check: seccompRestricted, overrides: ["seccompProfile_baseline"] },
      { minimumMinor: 25, check: exceptWindows(seccompRestricted), overrides: ["seccompProfile_baseline"] },
    ],
  },
  { id: "procMount", level: "baseline", versions: [{ minimumMinor: 0, check: procMount }] },
];
