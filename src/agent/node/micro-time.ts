export { microTime } from "../../api/index.js";

/** metav1.Time text: RFC 3339 in UTC, whole seconds. */
export function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
