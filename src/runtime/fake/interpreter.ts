import type { LogStream } from "../types.js";
import type { Script, Statement } from "./program.js";

/** How a script run ended. */
export type Outcome =
  | { readonly kind: "exit"; readonly code: number }
  | { readonly kind: "oom" }
  /** SIGTERM arrived and the program handles it (a trap, or a server's own handler). */
  | { readonly kind: "terminated"; readonly trap?: Script };

/** What a running script can touch. */
export interface ScriptHost {
  /** Waits `ms` (Infinity: until interrupted); rejects with Interrupted when a signal arrives. */
  wait(ms: number): Promise<void>;
  write(stream: LogStream, text: string): void;
  /** Something in the pod's network namespace listens on the port. */
  isListening(port: number): boolean;
  listen(port: number): void;
  readonly memoryLimitBytes: number | undefined;
  /** The process's user and group (runAsUser, runAsGroup; 0 when not set). */
  readonly user: { readonly uid: number; readonly gid: number };
  /** True once SIGTERM was delivered; read when a wait is interrupted. */
  readonly terminating: boolean;
}

/** A wait cut short by a signal (SIGTERM, SIGKILL or an exec timeout). */
export class Interrupted extends Error {}

/**
 * Runs a script to its end. PID 1 semantics: without a trap SIGTERM is ignored by the shell's
 * own statements (sleep, listeners, loops); a "server" statement stands for a real program,
 * which handles SIGTERM by exiting.
 */
export async function runScript(script: Script, host: ScriptHost): Promise<Outcome> {
  let trap: Script | undefined;
  let last = 0;
  for (const step of script) {
    if (step.andThen && last !== 0) continue;
    try {
      const result = await runStatement(step.statement, host, (action) => (trap = action));
      if (result !== undefined && typeof result !== "number") return result;
      last = result ?? 0;
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
      if (!host.terminating) throw err;
      if (trap) return { kind: "terminated", trap };
      if (step.statement.kind === "server") return { kind: "terminated" };
      // PID 1 without a handler: SIGTERM is dropped; keep waiting until killed.
      await host.wait(Number.POSITIVE_INFINITY);
    }
  }
  return { kind: "exit", code: last };
}

async function runStatement(
  statement: Statement,
  host: ScriptHost,
  setTrap: (action: Script) => void,
): Promise<number | Outcome | undefined> {
  switch (statement.kind) {
    case "echo":
      host.write(statement.stream, `${statement.text}\n`);
      return 0;
    case "exit":
      return { kind: "exit", code: statement.code };
    case "sleep":
      await host.wait(statement.ms);
      return 0;
    case "trap":
      setTrap(statement.action);
      return 0;
    case "listen":
      host.listen(statement.port);
      await host.wait(Number.POSITIVE_INFINITY);
      return 0;
    case "connect":
      if (host.isListening(statement.port)) return 0;
      host.write("stderr", `wget: can't connect to remote host: Connection refused\n`);
      return 1;
    case "hog":
      if (host.memoryLimitBytes !== undefined && host.memoryLimitBytes > 0) return { kind: "oom" };
      await host.wait(Number.POSITIVE_INFINITY);
      return 0;
    case "id": {
      const { uid, gid } = host.user;
      const all = `uid=${uid} gid=${gid}`;
      host.write("stdout", `${statement.print === "uid" ? uid : statement.print === "gid" ? gid : all}\n`);
      return 0;
    }
    case "forever":
    case "server":
      await host.wait(Number.POSITIVE_INFINITY);
      return 0;
    default: {
      const never: never = statement;
      return never;
    }
  }
}
