/**
 * Warning headers (`299 - "text"`), bounded as kube-apiserver's warning recorder bounds them
 * (endpoints/filters/warning.go): each text once; while their total stays within 4 Ki runes they
 * go out whole; past it, every warning is cut to 256 runes and no more are added once the total
 * is reached again. An unbounded header (a 70,000-character unknown field name) would overflow
 * every client's header limit and the answer would be lost.
 */
import type { ServerResponse } from "node:http";

/** filters: truncateAtTotalRunes. */
export const WARNINGS_TOTAL_RUNES = 4 * 1024;
/** filters: truncateItemRunes. */
export const WARNING_ITEM_RUNES = 256;

interface Recorder {
  readonly seen: Set<string>;
  readonly ordered: string[];
  written: number;
  truncating: boolean;
}

const recorders = new WeakMap<ServerResponse, Recorder>();

function runes(text: string): string[] {
  return Array.from(text);
}

function header(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

function cut(text: string): string {
  const r = runes(text);
  return r.length > WARNING_ITEM_RUNES ? r.slice(0, WARNING_ITEM_RUNES).join("") : text;
}

/** Adds a warning to the answer (before its headers are sent). */
export function addWarning(res: ServerResponse, text: string): void {
  if (text === "" || res.headersSent) return;
  let r = recorders.get(res);
  if (r === undefined) {
    r = { seen: new Set(), ordered: [], written: 0, truncating: false };
    recorders.set(res, r);
  }
  if (r.truncating && r.written >= WARNINGS_TOTAL_RUNES) return;
  if (r.seen.has(text)) return;
  r.seen.add(text);
  r.ordered.push(text);
  const shown = r.truncating ? cut(text) : text;
  const length = runes(shown).length;
  if (r.truncating || r.written + length <= WARNINGS_TOTAL_RUNES) {
    r.written += length;
    res.appendHeader("Warning", header(shown));
    return;
  }
  // Over the total: from now on every warning, the earlier ones too, is cut.
  r.truncating = true;
  r.written = 0;
  res.removeHeader("Warning");
  for (const earlier of r.ordered) {
    const c = cut(earlier);
    r.written += runes(c).length;
    res.appendHeader("Warning", header(c));
  }
}
