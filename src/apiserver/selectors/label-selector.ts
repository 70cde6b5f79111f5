/**
 * Label selectors: the `labelSelector=` query syntax and the LabelSelector object.
 *
 * Compare with apimachinery pkg/labels/selector.go (Lexer, Parser, Requirement.Matches) and
 * pkg/apis/meta/v1/helpers.go (LabelSelectorAsSelector). Grammar, comma = AND:
 *   key | !key | key=value | key==value | key!=value | key in (a,b) | key notin (a,b) | key>1 | key<1
 * Parse errors are BadRequest with upstream's wording ("found 'x', expected: ...").
 */
import { BerthError, ErrorCode } from "../../common/index.js";
import { isQualifiedName, isValidLabelValue } from "../registry/validation.js";

export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** Requirements joined by AND; empty matches everything. `null` (from a nil object) matches nothing. */
export type LabelSelector = readonly LabelRequirement[] | null;

type TokenKind = "ident" | "," | "=" | "==" | "!=" | "!" | "(" | ")" | ">" | "<" | "in" | "notin" | "end";
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

const SPECIAL = new Set(["!", "=", ",", "(", ")", "<", ">"]);

function isWhitespace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] ?? "";
    if (isWhitespace(ch)) {
      i++;
      continue;
    }
    if (SPECIAL.has(ch)) {
      const two = input.slice(i, i + 2);
      if (two === "==" || two === "!=") {
        tokens.push({ kind: two, text: two });
        i += 2;
      } else {
        tokens.push({ kind: ch as TokenKind, text: ch });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j] ?? "") && !isWhitespace(input[j] ?? "")) j++;
    const word = input.slice(i, j);
    tokens.push({ kind: word === "in" ? "in" : word === "notin" ? "notin" : "ident", text: word });
    i = j;
  }
  tokens.push({ kind: "end", text: "" });
  return tokens;
}

function badRequest(message: string): BerthError {
  return new BerthError(ErrorCode.BadRequest, message);
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? { kind: "end", text: "" };
  }

  private next(): Token {
    const token = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return token;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const head = this.peek();
      if (head.kind === "end") return requirements;
      if (head.kind !== "ident" && head.kind !== "!" && head.kind !== "in" && head.kind !== "notin") {
        throw badRequest(`found '${head.text}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.requirement());
      } catch (err) {
        if (err instanceof BerthError) throw badRequest(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      const after = this.next();
      if (after.kind === "end") return requirements;
      if (after.kind !== ",") throw badRequest(`found '${after.text}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (
        following.kind !== "ident" &&
        following.kind !== "!" &&
        following.kind !== "in" &&
        following.kind !== "notin"
      ) {
        throw badRequest(`found '${following.text}', expected: identifier after ','`);
      }
    }
  }

  /** One requirement; errors here are wrapped with "unable to parse requirement: " by parse(). */
  private requirement(): LabelRequirement {
    let token = this.next();
    let negated = false;
    if (token.kind === "!") {
      negated = true;
      token = this.next();
    }
    // In key position "in" and "notin" are plain identifiers (upstream lexes them by context).
    if (token.kind !== "ident" && token.kind !== "in" && token.kind !== "notin") {
      throw badRequest(`found '${token.text}', expected: identifier`);
    }
    const key = token.text;
    if (negated) return makeRequirement(key, "!", []);
    const op = this.peek();
    if (op.kind === "," || op.kind === "end") return makeRequirement(key, "exists", []);
    this.next();
    switch (op.kind) {
      case "=":
      case "==":
      case "!=": {
        const value = this.singleValue();
        return makeRequirement(key, op.kind === "!=" ? "!=" : "=", [value]);
      }
      case ">":
      case "<":
        return makeRequirement(key, op.kind === ">" ? "gt" : "lt", [this.singleValue()]);
      case "in":
      case "notin":
        return makeRequirement(key, op.kind, this.valueSet());
      default:
        throw badRequest(`found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  /** A value after =, ==, !=, > or <; it may be empty ("a=" selects a=""). */
  private singleValue(): string {
    const token = this.peek();
    if (token.kind === "," || token.kind === "end") return "";
    this.next();
    if (token.kind === "ident" || token.kind === "in" || token.kind === "notin") return token.text;
    throw badRequest(`found '${token.text}', expected: identifier`);
  }

  /** parseValues / parseIdentifiersList: "(a,b)", "()" and empty members select "". */
  private valueSet(): string[] {
    const open = this.next();
    if (open.kind !== "(") throw badRequest(`found '${open.text}' expected: '('`);
    const first = this.peek();
    if (first.kind === ")") {
      this.next();
      return [""];
    }
    if (first.kind !== "ident" && first.kind !== "," && first.kind !== "in" && first.kind !== "notin") {
      throw badRequest(`found '${first.text}', expected: ',', ')' or identifier`);
    }
    const values: string[] = [];
    let expectValue = true;
    for (;;) {
      const token = this.next();
      if (token.kind === ")") {
        if (expectValue) values.push("");
        return values;
      }
      if ((token.kind === "ident" || token.kind === "in" || token.kind === "notin") && expectValue) {
        values.push(token.text);
        expectValue = false;
        const following = this.peek();
        if (following.kind !== "," && following.kind !== ")") {
          throw badRequest(`found '${following.text}', expected: ',' or ')'`);
        }
      } else if (token.kind === ",") {
        if (expectValue) values.push("");
        expectValue = true;
      } else {
        throw badRequest(`found '${token.text}', expected: ',', or identifier`);
      }
    }
  }
}

/**
 * labels.NewRequirement: validates key and values, then builds the requirement. Its messages carry no
 * prefix; the text parser adds "unable to parse requirement: ".
 */
function makeRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const keyErrors = isQualifiedName(key);
  if (keyErrors.length > 0) {
    throw badRequest(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrors.join("; ")}`);
  }
  if ((operator === "in" || operator === "notin") && values.length === 0) {
    throw badRequest("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty");
  }
  if ((operator === "gt" || operator === "lt") && !/^[-+]?\d+$/.test(values[0] ?? "")) {
    throw badRequest(
      `values[0]: Invalid value: ${JSON.stringify(values[0] ?? "")}: for 'Gt', 'Lt' operators, the value must be an integer`,
    );
  }
  values.forEach((value, i) => {
    const errs = isValidLabelValue(value);
    if (errs.length > 0 && operator !== "gt" && operator !== "lt") {
      throw badRequest(`values[${i}][${key}]: Invalid value: ${JSON.stringify(value)}: ${errs.join("; ")}`);
    }
  });
  return { key, operator, values: [...new Set(values)].sort() };
}

/** Parses the `labelSelector` query text; throws BadRequest on malformed input. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  return new Parser(tokenize(text)).parse();
}

/** Whether the labels satisfy every requirement (labels.Requirement.Matches). */
export function matchLabels(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (selector === null) return false;
  const set = labels ?? {};
  return selector.every((req) => {
    const has = Object.hasOwn(set, req.key);
    const value = has ? set[req.key] : undefined;
    switch (req.operator) {
      case "=":
      case "in":
        return has && req.values.includes(value ?? "");
      case "!=":
      case "notin":
        return !has || !req.values.includes(value ?? "");
      case "exists":
        return has;
      case "!":
        return !has;
      case "gt":
      case "lt": {
        if (!has || !/^[-+]?\d+$/.test(value ?? "")) return false;
        const actual = BigInt(value ?? "0");
        const bound = BigInt(req.values[0] ?? "0");
        return req.operator === "gt" ? actual > bound : actual < bound;
      }
    }
  });
}

/** Renders requirements back to the query syntax (labels.Selector String). */
export function formatLabelSelector(selector: LabelSelector): string {
  if (selector === null) return "";
  return selector
    .map((req) => {
      switch (req.operator) {
        case "=":
        case "!=":
          return `${req.key}${req.operator}${req.values[0] ?? ""}`;
        case "in":
        case "notin":
          return `${req.key} ${req.operator} (${req.values.join(",")})`;
        case "exists":
          return req.key;
        case "!":
          return `!${req.key}`;
        case "gt":
          return `${req.key}>${req.values[0] ?? ""}`;
        case "lt":
          return `${req.key}<${req.values[0] ?? ""}`;
      }
    })
    .join(",");
}

/** metav1.LabelSelector as it appears in objects. */
export interface LabelSelectorObject {
  readonly matchLabels?: Readonly<Record<string, string>> | null;
  readonly matchExpressions?: ReadonlyArray<{
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[] | null;
  }> | null;
}

/**
 * metav1.LabelSelectorAsSelector: a nil object selects nothing, an empty one everything.
 * Bad operators or value sets give BadRequest with upstream's wording.
 */
export function labelSelectorFromObject(obj: LabelSelectorObject | null | undefined): LabelSelector {
  if (obj === null || obj === undefined) return null;
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(obj.matchLabels ?? {})) {
    requirements.push(makeRequirement(key, "=", [value]));
  }
  for (const expr of obj.matchExpressions ?? []) {
    const values = [...(expr.values ?? [])];
    switch (expr.operator) {
      case "In":
        requirements.push(makeRequirement(expr.key, "in", values));
        break;
      case "NotIn":
        requirements.push(makeRequirement(expr.key, "notin", values));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) {
          throw badRequest(
            "values: Invalid value: " +
              `${JSON.stringify(values)}: values set must be empty for exists and does not exist`,
          );
        }
        requirements.push(makeRequirement(expr.key, expr.operator === "Exists" ? "exists" : "!", []));
        break;
      default:
        throw badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    }
  }
  return requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
