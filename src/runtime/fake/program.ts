/**
 * What a fake container "runs". The fake runtime executes no processes: it reads the
 * container's command and args as a small shell-like script and models what busybox would do
 * with it, close enough for the agent's logic (exit codes, output, signals, OOM, listeners).
 *
 * Understood: `sh -c SCRIPT` where SCRIPT is statements separated by `;`, newlines or `&&`;
 * `echo WORDS [>&2]`, `exit N`, `true`, `false`, `sleep N|infinity`, `trap ACTION TERM`,
 * `while ...` (loops forever), `httpd ... -p PORT` and `nc -l ... -p PORT` (listen on PORT in
 * the pod), `wget URL` (succeeds when something in the pod listens on the URL's port),
 * `tail /dev/zero` (allocates without bound: OOM-killed under a memory limit), `id [-u|-g]` (the
 * container's runAsUser and runAsGroup, root by default). Any other program
 * is modelled as a server that runs until stopped and exits on SIGTERM; in exec it succeeds
 * silently. Test controls on FakeRuntime override all of this per container.
 */
export type Statement =
  | { readonly kind: "echo"; readonly text: string; readonly stream: "stdout" | "stderr" }
  | { readonly kind: "exit"; readonly code: number }
  | { readonly kind: "sleep"; readonly ms: number }
  | { readonly kind: "trap"; readonly action: Script }
  | { readonly kind: "forever" }
  | { readonly kind: "listen"; readonly port: number }
  | { readonly kind: "connect"; readonly port: number }
  | { readonly kind: "hog" }
  | { readonly kind: "server"; readonly argv: readonly string[] }
  | { readonly kind: "id"; readonly print: "uid" | "gid" | "all" };

/** `andThen` marks a statement joined to the previous one by `&&`. */
export interface Step {
  readonly statement: Statement;
  readonly andThen: boolean;
}

export type Script = readonly Step[];

/** The argv a container runs (CRI: command replaces ENTRYPOINT, args replace CMD). */
export function containerArgv(command: readonly string[], args: readonly string[]): string[] {
  return [...command, ...args];
}

/** Parses an argv; an empty one (the image's own entrypoint) is a server. */
export function parseArgv(argv: readonly string[]): Script {
  const [first, second, third] = argv;
  if (first === undefined) return [{ statement: { kind: "server", argv: [] }, andThen: false }];
  if (isShell(first) && second === "-c" && third !== undefined) return parseScript(third);
  return [{ statement: parseCommand(argv), andThen: false }];
}

function isShell(program: string): boolean {
  return program === "sh" || program === "/bin/sh" || program === "bash" || program === "/bin/bash";
}

export function parseScript(script: string): Script {
  const steps: Step[] = [];
  let andThen = false;
  for (const part of splitStatements(script)) {
    if (part.separator) {
      andThen = part.text === "&&";
      continue;
    }
    const words = tokenize(part.text);
    if (words.length === 0) continue;
    if (words[0] === "while" || words[0] === "until") {
      steps.push({ statement: { kind: "forever" }, andThen });
      break; // the rest of the loop body and what follows is never reached
    }
    steps.push({ statement: parseCommand(words), andThen });
    andThen = false;
  }
  return steps;
}

interface Piece {
  readonly text: string;
  readonly separator: boolean;
}

/** Splits on `;`, newlines, `&&` and a trailing `&`, outside quotes. */
function splitStatements(script: string): Piece[] {
  const pieces: Piece[] = [];
  let current = "";
  let quote: string | undefined;
  const flush = (): void => {
    if (current.trim() !== "") pieces.push({ text: current.trim(), separator: false });
    current = "";
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if (c === "&" && script[i + 1] === "&") {
      flush();
      pieces.push({ text: "&&", separator: true });
      i++;
    } else if (c === ";" || c === "\n" || (c === "&" && !isRedirection(script, i))) {
      flush();
      pieces.push({ text: ";", separator: true });
    } else {
      current += c;
    }
  }
  flush();
  return pieces;
}

/** `>&2`, `2>&1`, `&>`: an ampersand that belongs to a redirection, not a background job. */
function isRedirection(script: string, i: number): boolean {
  const before = script[i - 1];
  return before === ">" || before === "<" || script[i + 1] === ">";
}

/** Splits words, honouring single and double quotes (no expansion). */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | undefined;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function parseCommand(argv: readonly string[]): Statement {
  const program = basename(argv[0] ?? "");
  const rest = argv.slice(1);
  switch (program) {
    case "echo": {
      const toStderr = rest.includes(">&2") || rest.includes("1>&2");
      const words = rest.filter((w) => w !== ">&2" && w !== "1>&2" && w !== "-n" && w !== "-e");
      return { kind: "echo", text: words.join(" "), stream: toStderr ? "stderr" : "stdout" };
    }
    case "exit":
      return { kind: "exit", code: toExitCode(rest[0] ?? "0") };
    case "true":
    case ":":
      return { kind: "exit", code: 0 };
    case "false":
      return { kind: "exit", code: 1 };
    case "sleep":
      return { kind: "sleep", ms: parseSleep(rest[0] ?? "0") };
    case "trap":
      return rest.slice(1).some((s) => s === "TERM" || s === "SIGTERM" || s === "15")
        ? { kind: "trap", action: parseScript(rest[0] ?? "") }
        : { kind: "exit", code: 0 };
    case "httpd":
    case "nc":
      return portOption(rest) !== undefined
        ? { kind: "listen", port: portOption(rest) as number }
        : { kind: "server", argv };
    case "wget":
      return { kind: "connect", port: urlPort(rest.find((w) => w.includes("://")) ?? "") };
    case "tail":
      return rest.includes("/dev/zero") ? { kind: "hog" } : { kind: "server", argv };
    case "id":
      return { kind: "id", print: rest.includes("-u") ? "uid" : rest.includes("-g") ? "gid" : "all" };
    default:
      return { kind: "server", argv };
  }
}

function basename(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}

function toExitCode(word: string): number {
  const n = Number.parseInt(word, 10);
  return Number.isFinite(n) ? ((n % 256) + 256) % 256 : 2;
}

function parseSleep(word: string): number {
  if (word === "infinity" || word === "inf") return Number.POSITIVE_INFINITY;
  const seconds = Number.parseFloat(word);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

function portOption(words: readonly string[]): number | undefined {
  const i = words.indexOf("-p");
  const value = i >= 0 ? words[i + 1] : undefined;
  if (value === undefined) return undefined;
  const port = Number.parseInt(value.slice(value.lastIndexOf(":") + 1), 10);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

function urlPort(url: string): number {
  const match = /^[a-z]+:\/\/[^/:]+(?::(\d+))?/i.exec(url);
  if (!match) return 0;
  if (match[1] !== undefined) return Number.parseInt(match[1], 10);
  return url.toLowerCase().startsWith("https") ? 443 : 80;
}
