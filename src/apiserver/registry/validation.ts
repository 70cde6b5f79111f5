/**
 * Field errors and the name/metadata rules every resource shares.
 *
 * Compare with apimachinery pkg/util/validation (IsDNS1123Label, IsDNS1123Subdomain, IsQualifiedName,
 * IsValidLabelValue), pkg/util/validation/field (error types and their text), pkg/api/validation
 * (ValidateObjectMeta, ValidateAnnotations, path segment names) and pkg/apis/meta/v1/validation
 * (ValidateLabels). Messages follow upstream's wording so clients see the same text.
 */
import { BerthError, ErrorCode, type ErrorCause } from "../../common/index.js";

/** field.ErrorType reasons, as they appear in Status causes. */
export const CauseReason = {
  Required: "FieldValueRequired",
  Invalid: "FieldValueInvalid",
  NotSupported: "FieldValueNotSupported",
  Forbidden: "FieldValueForbidden",
  Duplicate: "FieldValueDuplicate",
  TooLong: "FieldValueTooLong",
  NotFound: "FieldValueNotFound",
} as const;

/** Renders a value as field.Error does: strings quoted, numbers and booleans bare. */
function renderValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value === null || value === undefined) return "null";
  return JSON.stringify(value);
}

/**
 * A Status cause carries the error body without its field (errors.NewInvalid uses ErrorBody()); the
 * field travels in `field`. fieldErrorText renders the whole `field: body`, as field.Error.Error().
 */
function cause(reason: string, field: string, text: string): ErrorCause {
  return { reason, field, message: text };
}

/** `spec.containers[0].image: Required value`: a cause as kube-apiserver words it in messages. */
export function fieldErrorText(c: ErrorCause): string {
  return c.field ? `${c.field}: ${c.message}` : c.message;
}

/** field.Required: `spec.containers[0].image: Required value`. */
export function required(field: string, detail = ""): ErrorCause {
  return cause(CauseReason.Required, field, detail ? `Required value: ${detail}` : "Required value");
}

/** field.Invalid: `metadata.name: Invalid value: "Foo": detail`. */
export function invalid(field: string, value: unknown, detail: string): ErrorCause {
  const head = `Invalid value: ${renderValue(value)}`;
  return cause(CauseReason.Invalid, field, detail ? `${head}: ${detail}` : head);
}

/** field.NotSupported: `Unsupported value: "X": supported values: "A", "B"`. */
export function notSupported(field: string, value: unknown, supported: readonly string[]): ErrorCause {
  const list = supported.map((s) => JSON.stringify(s)).join(", ");
  return cause(
    CauseReason.NotSupported,
    field,
    `Unsupported value: ${renderValue(value)}${list ? `: supported values: ${list}` : ""}`,
  );
}

/** field.Forbidden: `Forbidden: detail`. */
export function forbidden(field: string, detail: string): ErrorCause {
  return cause(CauseReason.Forbidden, field, `Forbidden: ${detail}`);
}

/** field.Duplicate: `Duplicate value: "x"`. */
export function duplicate(field: string, value: unknown): ErrorCause {
  return cause(CauseReason.Duplicate, field, `Duplicate value: ${renderValue(value)}`);
}

/** field.NotFound: `Not found: "x"`. */
export function notFound(field: string, value: unknown): ErrorCause {
  return cause(CauseReason.NotFound, field, `Not found: ${renderValue(value)}`);
}

/** field.TooLong (as used for annotations): `Too long: must have at most N bytes`. */
export function tooLong(field: string, maxBytes: number): ErrorCause {
  return cause(CauseReason.TooLong, field, `Too long: must have at most ${maxBytes} bytes`);
}

/**
 * The 422 error for an object: `Pod "x" is invalid: <cause>` or, for several causes,
 * `Pod "x" is invalid: [<cause>, <cause>]` (apimachinery errors.NewInvalid).
 */
export function invalidError(kind: string, name: string, causes: readonly ErrorCause[]): BerthError {
  const messages = causes.map(fieldErrorText);
  const text = messages.length === 1 ? (messages[0] ?? "") : `[${messages.join(", ")}]`;
  return new BerthError(ErrorCode.Invalid, `${kind} "${name}" is invalid: ${text}`, {
    causes,
    details: { kind, name },
  });
}

/** Throws invalidError when there is any cause. */
export function throwIfInvalid(kind: string, name: string, causes: readonly ErrorCause[]): void {
  if (causes.length > 0) throw invalidError(kind, name, causes);
}

// ---- name formats (apimachinery pkg/util/validation) ----

/** validation: DNS1123LabelMaxLength */
export const DNS1123_LABEL_MAX_LENGTH = 63;
/** validation: DNS1123SubdomainMaxLength */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
/** validation: LabelValueMaxLength (also qualifiedNameMaxLength) */
export const LABEL_VALUE_MAX_LENGTH = 63;
/** validation: TotalAnnotationSizeLimitB */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);

/** validation.RegexError: the explanation plus examples and the regex. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  let text = `${msg} (e.g. `;
  examples.forEach((example, i) => {
    if (i > 0) text += " or ";
    text += `'${example}', `;
  });
  return `${text}regex used for validation is '${fmt}')`;
}

function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** validation.IsDNS1123Label: problems, empty when valid. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1123_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        "my-name",
        "123-abc",
      ),
    );
  }
  return errs;
}

/** validation.IsDNS1123Subdomain. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        "example.com",
      ),
    );
  }
  return errs;
}

/** validation.IsQualifiedName: label keys, annotation keys, finalizer-like names. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) name = parts[0] ?? "";
  else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else for (const msg of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${msg}`);
  } else {
    return [
      regexError(
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_FMT,
        "MyName",
        "my.name",
        "123-abc",
      ) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > LABEL_VALUE_MAX_LENGTH)
    errs.push(`name part ${maxLenError(LABEL_VALUE_MAX_LENGTH)}`);
  if (name.length > 0 && !QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      "name part " +
        regexError(
          "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
          QUALIFIED_NAME_FMT,
          "MyName",
          "my.name",
          "123-abc",
        ),
    );
  }
  return errs;
}

/** validation.IsValidLabelValue. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        "MyValue",
        "my_value",
        "12345",
      ),
    );
  }
  return errs;
}

/** path.IsValidPathSegmentName: names that end up in a URL path (e.g. every object name). */
export function isValidPathSegmentName(name: string): string[] {
  if (name === "." || name === "..") return [`may not be '${name}'`];
  const errs: string[] = [];
  if (name.includes("/")) errs.push("may not contain '/'");
  if (name.includes("%")) errs.push("may not contain '%'");
  return errs;
}

/** A name validator: the problems with `name`, given whether it is a generateName prefix. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** Removes the trailing '-' a generateName prefix may carry (apimachinery maskTrailingDash). */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith("-") ? `${name.slice(0, -2)}a` : name;
}

/** apimachinery NameIsDNSLabel (pods' containers, namespaces): a DNS-1123 label. */
export const nameIsDNSLabel: NameValidator = (name, prefix) =>
  isDNS1123Label(prefix ? maskTrailingDash(name) : name);
/** apimachinery NameIsDNSSubdomain (pods, configmaps, secrets, nodes, leases, events). */
export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
/** Names only restricted to be safe URL path segments. */
export const nameIsPathSegment: NameValidator = (name, prefix) =>
  prefix ? [] : isValidPathSegmentName(name);

/** names.SimpleNameGenerator: randomLength and maxNameLength - randomLength. */
export const GENERATED_NAME_SUFFIX_LENGTH = 5;
export const GENERATED_NAME_MAX_BASE_LENGTH = DNS1123_LABEL_MAX_LENGTH - GENERATED_NAME_SUFFIX_LENGTH;

/** The part of a generateName prefix kept before the random suffix (SimpleNameGenerator truncates it). */
export function generatedNameBase(generateName: string): string {
  return generateName.length > GENERATED_NAME_MAX_BASE_LENGTH
    ? generateName.slice(0, GENERATED_NAME_MAX_BASE_LENGTH)
    : generateName;
}

// ---- labels, annotations, object meta ----

/** metav1validation.ValidateLabels. */
export function validateLabels(labels: unknown, field: string): ErrorCause[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== "object" || Array.isArray(labels)) {
    return [invalid(field, labels, "must be a map of string keys to string values")];
  }
  const causes: ErrorCause[] = [];
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    for (const msg of isQualifiedName(key)) causes.push(invalid(field, key, msg));
    if (typeof value !== "string") {
      causes.push(invalid(`${field}[${key}]`, value, "must be a string"));
      continue;
    }
    for (const msg of isValidLabelValue(value)) causes.push(invalid(field, value, msg));
  }
  return causes;
}

/** apivalidation.ValidateAnnotations: qualified keys (lower-cased) and a 256 KiB total. */
export function validateAnnotations(annotations: unknown, field: string): ErrorCause[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== "object" || Array.isArray(annotations)) {
    return [invalid(field, annotations, "must be a map of string keys to string values")];
  }
  const causes: ErrorCause[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations as Record<string, unknown>)) {
    for (const msg of isQualifiedName(key.toLowerCase())) causes.push(invalid(field, key, msg));
    if (typeof value !== "string") {
      causes.push(invalid(`${field}[${key}]`, value, "must be a string"));
      continue;
    }
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES)
    causes.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return causes;
}

/** metav1validation.ValidateFinalizers: qualified names, no duplicates, not both orphan and foreground. */
export function validateFinalizers(finalizers: unknown, field: string): ErrorCause[] {
  if (finalizers === undefined || finalizers === null) return [];
  if (!Array.isArray(finalizers)) return [invalid(field, finalizers, "must be a list of strings")];
  const causes: ErrorCause[] = [];
  const seen = new Set<string>();
  for (const finalizer of finalizers) {
    if (typeof finalizer !== "string") {
      causes.push(invalid(field, finalizer, "must be a string"));
      continue;
    }
    for (const msg of isQualifiedName(finalizer)) causes.push(invalid(field, finalizer, msg));
    if (seen.has(finalizer)) causes.push(duplicate(field, finalizer));
    seen.add(finalizer);
  }
  if (seen.has("orphan") && seen.has("foregroundDeletion")) {
    causes.push(invalid(field, [...seen], "finalizer orphan and foregroundDeletion cannot be both set"));
  }
  return causes;
}

export interface ObjectMetaRules {
  /** Whether objects of this kind live in a namespace. */
  readonly namespaced: boolean;
  /** How names are checked; defaults to DNS-1123 subdomain. */
  readonly nameFn?: NameValidator;
}

/**
 * apivalidation.ValidateObjectMeta for create: name or generateName, namespace presence as the
 * scope asks, name format, labels and annotations. Field paths start at `metadata`.
 */
export function validateObjectMeta(meta: unknown, rules: ObjectMetaRules): ErrorCause[] {
  if (meta === undefined || meta === null || typeof meta !== "object" || Array.isArray(meta)) {
    return [required("metadata")];
  }
  const m = meta as Record<string, unknown>;
  const nameFn = rules.nameFn ?? nameIsDNSSubdomain;
  const causes: ErrorCause[] = [];
  const name = m["name"];
  const generateName = m["generateName"];
  if (generateName !== undefined && generateName !== "") {
    if (typeof generateName !== "string")
      causes.push(invalid("metadata.generateName", generateName, "must be a string"));
    else
      for (const msg of nameFn(generateName, true))
        causes.push(invalid("metadata.generateName", generateName, msg));
  }
  if (name === undefined || name === "") {
    if (generateName === undefined || generateName === "") {
      causes.push(required("metadata.name", "name or generateName is required"));
    }
  } else if (typeof name !== "string") {
    causes.push(invalid("metadata.name", name, "must be a string"));
  } else {
    for (const msg of nameFn(name, false)) causes.push(invalid("metadata.name", name, msg));
  }
  const namespace = m["namespace"];
  if (rules.namespaced) {
    if (namespace === undefined || namespace === "") causes.push(required("metadata.namespace"));
    else if (typeof namespace !== "string")
      causes.push(invalid("metadata.namespace", namespace, "must be a string"));
    else
      for (const msg of isDNS1123Label(namespace)) causes.push(invalid("metadata.namespace", namespace, msg));
  } else if (namespace !== undefined && namespace !== "") {
    causes.push(forbidden("metadata.namespace", "not allowed on this type"));
  }
  causes.push(...validateLabels(m["labels"], "metadata.labels"));
  causes.push(...validateAnnotations(m["annotations"], "metadata.annotations"));
  causes.push(...validateFinalizers(m["finalizers"], "metadata.finalizers"));
  return causes;
}

/**
 * apivalidation.ValidateObjectMetaUpdate, the part berth enforces: name, namespace, uid,
 * creationTimestamp and generateName may not change (`field is immutable`).
 */
export function validateObjectMetaUpdate(next: unknown, old: unknown): ErrorCause[] {
  const n = (next ?? {}) as Record<string, unknown>;
  const o = (old ?? {}) as Record<string, unknown>;
  const causes: ErrorCause[] = [];
  for (const key of ["name", "namespace", "uid", "creationTimestamp"]) {
    const nv = n[key];
    const ov = o[key];
    if (nv !== undefined && nv !== ov) causes.push(invalid(`metadata.${key}`, nv, "field is immutable"));
  }
  causes.push(...validateLabels(n["labels"], "metadata.labels"));
  causes.push(...validateAnnotations(n["annotations"], "metadata.annotations"));
  causes.push(...validateFinalizers(n["finalizers"], "metadata.finalizers"));
  return causes;
}
