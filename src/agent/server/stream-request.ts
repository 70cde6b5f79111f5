/**
 * What every remote-command protocol shares (kubelet: cri/streaming/remotecommand Options and the
 * status it writes): the query of /exec and /attach, the session runner, and the metav1.Status
 * that ends a session. Free of any transport, so that neither ws nor the SPDY session loads with it.
 */
import { BerthError, ErrorCode, errorMessage } from "../../common/index.js";
import type { ExecStreamOptions } from "../../runtime/index.js";

/** What the query of /exec or /attach asks for (kubelet: remotecommand Options). */
export interface StreamRequest {
  readonly command: readonly string[];
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

export function parseStreamRequest(query: URLSearchParams, needCommand: boolean): StreamRequest {
  const flag = (...keys: string[]) => keys.some((k) => query.get(k) === "true" || query.get(k) === "1");
  const request = {
    command: query.getAll("command"),
    stdin: flag("stdin", "input"),
    stdout: flag("stdout", "output"),
    stderr: flag("stderr", "error"),
    tty: flag("tty"),
  };
  if (needCommand && request.command.length === 0) {
    throw new BerthError(ErrorCode.BadRequest, "you must specify at least 1 command");
  }
  if (!request.stdin && !request.stdout && !request.stderr) {
    throw new BerthError(ErrorCode.BadRequest, "you must specify at least 1 of stdin, stdout, stderr");
  }
  // kubelet: with a tty, stderr is merged into stdout.
  return request.tty ? { ...request, stderr: false } : request;
}

/** A metav1.Status as the error channel carries it. */
export interface SessionStatus {
  readonly metadata: Record<string, never>;
  readonly status: "Success" | "Failure";
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: { readonly causes: readonly { readonly reason: string; readonly message: string }[] };
}

/** The metav1.Status the error channel carries when the process ended with `exitCode`. */
export function exitStatus(exitCode: number, command: readonly string[]): SessionStatus {
  if (exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  };
}

/** The Status of a session the runtime could not run. */
export function failureStatus(err: unknown): SessionStatus {
  return { metadata: {}, status: "Failure", message: errorMessage(err), reason: "InternalError", code: 500 };
}

/** Runs one session: what `run` gets is wired to the client; its exit code ends the session. */
export type SessionRunner = (
  streams: Pick<ExecStreamOptions, "stdin" | "stdout" | "stderr" | "resize" | "signal" | "tty">,
) => Promise<number>;

export interface TerminalSize {
  readonly width: number;
  readonly height: number;
}

/** Resize events from the client, as an async iterable that ends with the session. */
export class Resizes implements AsyncIterable<TerminalSize> {
  readonly #queue: TerminalSize[] = [];
  #wake: (() => void) | undefined;
  #done = false;

  /** One JSON TerminalSize ({"Width","Height"}); a malformed one is ignored, as the kubelet does. */
  pushJson(text: string): void {
    try {
      const size = JSON.parse(text) as { Width?: unknown; Height?: unknown };
      if (typeof size.Width === "number" && typeof size.Height === "number") {
        this.#queue.push({ width: size.Width, height: size.Height });
        this.#wake?.();
      }
    } catch {
      // ignored
    }
  }

  end(): void {
    this.#done = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    for (;;) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#done) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

/**
 * Splits a byte stream of JSON objects written back to back (the SPDY resize stream, read by the
 * kubelet with a JSON decoder) into whole objects; keeps an unfinished one for the next push.
 */
export class JsonObjectSplitter {
  #text = "";

  push(chunk: string): string[] {
    this.#text += chunk;
    const out: string[] = [];
    let depth = 0;
    let start = -1;
    let inString = false;
    let consumed = 0;
    for (let i = 0; i < this.#text.length; i++) {
      const c = this.#text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{") {
        if (depth++ === 0) start = i;
      } else if (c === "}" && depth > 0 && --depth === 0) {
        out.push(this.#text.slice(start, i + 1));
        consumed = i + 1;
      }
    }
    this.#text = depth === 0 ? "" : this.#text.slice(consumed);
    return out;
  }
}
