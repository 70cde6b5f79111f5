/**
 * The pod-template-hash of a template (controller.ComputeHash): FNV-1a 32 of the template with the
 * collision count, written in the alphabet of generated names (rand.SafeEncodeString). Upstream
 * hashes Go's printed form of the struct; berth hashes canonical JSON, so values differ from a
 * kube-controller-manager's but have the same shape and stability.
 */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * As apimachinery's semantic equality sees JSON: null, empty objects and empty lists equal absent
 * fields (kubectl rollout undo sends `creationTimestamp: null` and `resources: {}`).
 */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.values(v as Record<string, unknown>).every(isEmpty);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => !isEmpty(v))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function computeHash(template: unknown, collisionCount: number | undefined): string {
  const text = canonical(template) + (collisionCount !== undefined ? String(collisionCount) : "");
  const digits = String(fnv1a32(text));
  return [...digits].map((d) => SAFE_ALPHABET[d.charCodeAt(0) % SAFE_ALPHABET.length] ?? "b").join("");
}

/** EqualIgnoreHash: templates equal once the pod-template-hash label is removed from both. */
export function equalIgnoringHash(a: unknown, b: unknown, hashLabel: string): boolean {
  const strip = (t: unknown) => {
    const copy = structuredClone(t ?? {}) as { metadata?: { labels?: Record<string, string> } };
    if (copy.metadata?.labels !== undefined) {
      delete copy.metadata.labels[hashLabel];
      if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
    }
    return canonical(copy);
  };
  return strip(a) === strip(b);
}
