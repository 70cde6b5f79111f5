/**
 * A berth component (`node dist/cli/main.js ...`) run as a child process of the test, its output
 * appended to a log file, so that a test can SIGTERM it, kill -9 it and start it again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { open, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root (test/support/ is two levels down). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The berth CLI the e2e suite runs: the build in dist/ (scripts/test.sh builds it; in development
 * run `npm run build`), or BERTH_CLI_MAIN to point at another build.
 */
export function berthMain(): string {
  return process.env.BERTH_CLI_MAIN ?? join(REPO_ROOT, "dist", "cli", "main.js");
}

/** How long a SIGTERM'd component may take before it is killed. */
export const STOP_TIMEOUT_MS = 15_000;

export class BerthProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<number | string> | undefined;

  constructor(
    readonly name: string,
    readonly args: readonly string[],
    readonly logPath: string,
    /** Flags for node itself, before the script (e.g. V8 heap sizes); a bench may change them between runs. */
    public nodeFlags: readonly string[] = [],
    /** Environment variables beside the test's own. */
    readonly env: Readonly<Record<string, string>> = {},
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts it (again); its output goes to the log file. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} already runs (pid ${this.pid})`);
    const log = await open(this.logPath, "a");
    try {
      await log.write(`\n==== ${new Date().toISOString()} start ${this.name} ${this.args.join(" ")}\n`);
      const child = spawn(process.execPath, [...this.nodeFlags, berthMain(), ...this.args], {
        stdio: ["ignore", log.fd, log.fd],
        env: { ...process.env, BERTH_LOG_LEVEL: process.env.BERTH_LOG_LEVEL ?? "debug", ...this.env },
      });
      this.#child = child;
      this.#exited = new Promise((resolve) => {
        child.once("exit", (code, signal) => resolve(signal ?? code ?? -1));
        child.once("error", (err) => resolve(err.message));
      });
    } finally {
      await log.close();
    }
  }

  /** Resolves with the exit code or signal once it has exited (at once if it is not running). */
  async exited(): Promise<number | string | undefined> {
    return this.#exited;
  }

  /** kill -9: no chance to clean up, as in a crash. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.#child?.kill("SIGKILL");
    await this.#exited;
  }

  /** SIGTERM, and SIGKILL if it has not exited within STOP_TIMEOUT_MS. */
  async stop(): Promise<number | string | undefined> {
    if (!this.running) return this.#exited;
    this.#child?.kill("SIGTERM");
    const timer = setTimeout(() => this.#child?.kill("SIGKILL"), STOP_TIMEOUT_MS);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last lines of its log, for failure messages. */
  async tail(lines = 40): Promise<string> {
    const text = await readFile(this.logPath, "utf8").catch(() => "");
    return text.split("\n").slice(-lines).join("\n");
  }
}
