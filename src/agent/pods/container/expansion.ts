/**
 * `$(VAR)` references in env values, command and args, expanded the way the kubelet does
 * (kubelet: third_party/forked/golang/expansion): `$(NAME)` becomes the value of NAME when it is
 * defined and stays as written when it is not; `$$` is an escaped `$`; a `$` followed by anything
 * else, or a `$(` with no closing parenthesis, is kept literally.
 */

/** Looks a variable up; undefined means "not defined" (the reference is then kept as written). */
export type VariableLookup = (name: string) => string | undefined;

/** A lookup over several maps, the first that defines the name wins. */
export function lookupIn(...maps: readonly ReadonlyMap<string, string>[]): VariableLookup {
  return (name) => {
    for (const map of maps) {
      const value = map.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

export function expandVariables(input: string, lookup: VariableLookup): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    // A trailing lone `$` is literal.
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    if (next === "$") {
      out += "$";
      cursor += 1;
    } else if (next === "(") {
      const close = input.indexOf(")", cursor + 2);
      if (close < 0) {
        // Unclosed: keep "$(" and go on scanning after it.
        out += "$(";
        cursor += 1;
      } else {
        const name = input.slice(cursor + 2, close);
        out += lookup(name) ?? `$(${name})`;
        cursor = close;
      }
    } else {
      out += `$${next ?? ""}`;
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
