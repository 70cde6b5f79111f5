/**
 * Field selectors: the `fieldSelector=` query syntax.
 *
 * Compare with apimachinery pkg/fields/selector.go (ParseSelector, splitTerms, splitTerm, escaping)
 * and the per-resource field label conversion funcs in pkg/apis/core/v1/conversion.go. Terms are
 * joined by ',' (AND); each is `field=value`, `field==value` or `field!=value`. A backslash escapes
 * ',', '=', '!' and '\' inside values. A missing field compares as "".
 */
import { BerthError, ErrorCode } from "../../common/index.js";

export type FieldOperator = "=" | "!=";

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** Requirements joined by AND; empty matches everything. */
export type FieldSelector = readonly FieldRequirement[];

/** The selectable fields of one object, already rendered as strings. */
export type SelectableFields = Readonly<Record<string, string>>;

function badRequest(message: string): BerthError {
  return new BerthError(ErrorCode.BadRequest, message);
}

/** fields.splitTerms: splits on unescaped commas. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (escaped) escaped = false;
    else if (ch === "\\") escaped = true;
    else if (ch === ",") {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** fields.splitTerm: finds the first unescaped operator ("!=", "==", "="). */
function splitTerm(term: string): { field: string; operator: FieldOperator; raw: string } | undefined {
  let escaped = false;
  for (let i = 0; i < term.length; i++) {
    const ch = term[i];
    if (escaped) {
      escaped = false;
      continue;
    }
    if (ch === "\\") {
      escaped = true;
      continue;
    }
    for (const op of ["!=", "==", "="] as const) {
      if (term.startsWith(op, i)) {
        return {
          field: term.slice(0, i),
          operator: op === "!=" ? "!=" : "=",
          raw: term.slice(i + op.length),
        };
      }
    }
  }
  return undefined;
}

/** fields.UnescapeValue. */
function unescapeValue(raw: string): string {
  if (!raw.includes("\\") && !raw.includes(",") && !raw.includes("=")) return raw;
  let out = "";
  let escaped = false;
  for (const ch of raw) {
    if (escaped) {
      if (ch !== "\\" && ch !== "," && ch !== "=") {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${ch}`);
      }
      out += ch;
      escaped = false;
    } else if (ch === "\\") escaped = true;
    else if (ch === "," || ch === "=") {
      // Upstream prints the rune with %v, i.e. its code point.
      throw badRequest(`invalid field selector: unescaped character in value: ${ch.codePointAt(0) ?? 0}`);
    } else out += ch;
  }
  if (escaped) throw badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Escapes a value so it can be put back in a field selector (fields.EscapeValue). */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (ch) => `\\${ch}`);
}

/**
 * Parses `fieldSelector` text and checks every field against the resource's selectable fields.
 * Unknown fields give BadRequest `field label not supported: X` (the conversion funcs' message).
 */
export function parseFieldSelector(text: string, allowedFields: ReadonlySet<string>): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  if (text.trim() === "") return requirements;
  for (const term of splitTerms(text)) {
    if (term === "") continue;
    const parts = splitTerm(term);
    if (parts === undefined) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    requirements.push({
      field: parts.field.trim(),
      operator: parts.operator,
      value: unescapeValue(parts.raw),
    });
  }
  // As upstream, the whole text is parsed first; the resource's field label conversion comes after.
  for (const { field } of requirements) {
    if (!allowedFields.has(field)) throw badRequest(`field label not supported: ${field}`);
  }
  return requirements;
}

/** Whether the object's fields satisfy every requirement. */
export function matchFields(selector: FieldSelector, fields: SelectableFields): boolean {
  return selector.every((req) => {
    const actual = fields[req.field] ?? "";
    return req.operator === "=" ? actual === req.value : actual !== req.value;
  });
}

/** Renders a selector back to its query form. */
export function formatFieldSelector(selector: FieldSelector): string {
  return selector.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(",");
}
