/**
 * Pod Security Standards levels and policy versions (k8s.io/pod-security-admission api): a level is
 * privileged, baseline or restricted; a version is "latest" or v1.x; a LevelVersion prints as
 * "restricted:latest".
 */
export const LEVELS = ["privileged", "baseline", "restricted"] as const;
export type Level = (typeof LEVELS)[number];

/** v1.minor, or latest (newer than every numbered version). */
export type PolicyVersion = { readonly latest: true } | { readonly latest: false; readonly minor: number };

export const LATEST: PolicyVersion = { latest: true };

export function minorVersion(minor: number): PolicyVersion {
  return { latest: false, minor };
}

export interface LevelVersion {
  readonly level: Level;
  readonly version: PolicyVersion;
}

/** api: Version.String. */
export function versionText(v: PolicyVersion): string {
  return v.latest ? "latest" : `v1.${v.minor}`;
}

/** api: LevelVersion.String, "restricted:latest". */
export function levelVersionText(lv: LevelVersion): string {
  return `${lv.level}:${versionText(lv.version)}`;
}

export function sameVersion(a: PolicyVersion, b: PolicyVersion): boolean {
  return a.latest ? b.latest : !b.latest && a.minor === b.minor;
}

export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && sameVersion(a.version, b.version);
}

/** api: CompareLevels, negative when a is less strict than b. */
export function compareLevels(a: Level, b: Level): number {
  return LEVELS.indexOf(a) - LEVELS.indexOf(b);
}

export type Parsed<T> = { readonly value: T; readonly error?: string };

/** api: ParseLevel; an unknown level reads as restricted, with the error. */
export function parseLevel(text: string): Parsed<Level> {
  return (LEVELS as readonly string[]).includes(text)
    ? { value: text as Level }
    : { value: "restricted", error: `must be one of ${LEVELS.join(", ")}` };
}

const VERSION_PATTERN = /^v1\.([0-9]|[1-9][0-9]*)$/;

/** api: ParseVersion; anything but "latest" or v1.x reads as latest, with the error. */
export function parseVersion(text: string): Parsed<PolicyVersion> {
  if (text === "latest") return { value: LATEST };
  const m = VERSION_PATTERN.exec(text);
  if (m === null) return { value: LATEST, error: 'must be "latest" or "v1.x"' };
  return { value: minorVersion(Number(m[1])) };
}
