import type { Clock } from "../../common/index.js";
import type { LogStream } from "../types.js";
import { Interrupted, type ScriptHost } from "./interpreter.js";

export interface ProcessEnv {
  readonly clock: Clock;
  write(stream: LogStream, text: string): void;
  isListening(port: number): boolean;
  listen(port: number): void;
  readonly memoryLimitBytes: number | undefined;
  readonly user: { readonly uid: number; readonly gid: number };
}

/**
 * A container's main process: signals interrupt its current wait. SIGTERM is delivered once;
 * after SIGKILL every wait fails at once.
 */
export class FakeProcess implements ScriptHost {
  #current: AbortController | undefined;
  #pendingTerm = false;
  #killed = false;
  terminating = false;

  constructor(private readonly env: ProcessEnv) {}

  get killed(): boolean {
    return this.#killed;
  }

  get memoryLimitBytes(): number | undefined {
    return this.env.memoryLimitBytes;
  }

  get user(): { readonly uid: number; readonly gid: number } {
    return this.env.user;
  }

  write(stream: LogStream, text: string): void {
    if (!this.#killed) this.env.write(stream, text);
  }

  isListening(port: number): boolean {
    return this.env.isListening(port);
  }

  listen(port: number): void {
    this.env.listen(port);
  }

  async wait(ms: number): Promise<void> {
    if (this.#killed) throw new Interrupted("killed");
    if (this.#pendingTerm) {
      this.#pendingTerm = false;
      throw new Interrupted("terminated");
    }
    const controller = new AbortController();
    this.#current = controller;
    try {
      await this.env.clock.sleep(ms, controller.signal);
    } catch {
      throw new Interrupted("signalled");
    } finally {
      if (this.#current === controller) this.#current = undefined;
    }
  }

  /** SIGTERM. */
  term(): void {
    if (this.terminating || this.#killed) return;
    this.terminating = true;
    if (this.#current) this.#current.abort();
    else this.#pendingTerm = true;
  }

  /** SIGKILL. */
  kill(): void {
    this.#killed = true;
    this.#current?.abort();
  }
}
