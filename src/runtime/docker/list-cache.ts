/**
 * The relist's Docker lists, kept until Docker's event stream says a container changed state.
 * The agent relists every second (kubelet: PLEG), and on Docker each relist is two container lists
 * answered in full: with 110 pods, 368 KB of JSON a second, parsed whole, for an answer that is
 * the same almost every time. containerd's relist costs a fraction of that (its reduced decode in
 * ../cri/list-states.ts); here the answer is kept instead, and these rules keep it true:
 *
 * - Answers are kept only while the event stream is open. It opens on first use, from a second
 *   back, so that an event between Docker's answer to the subscription and the subscription itself
 *   is replayed. While it is closed, every list goes to Docker, and it is opened again with backoff.
 * - Every event, and every change the adapter makes itself (forget()), drops every kept answer;
 *   an answer whose list began before such a drop is not kept.
 * - Docker reports a container's `die` before its list shows the container exited (40 of 40 in a
 *   measurement on Docker 20.10). A container that died stays "dying" until a list shows it not
 *   running, and an answer that lists a dying container running is returned but not kept.
 * - No answer is kept longer than LIST_MAX_AGE_MS, should an event ever go missing.
 */
import type { Readable } from "node:stream";
import { Backoff, errorMessage, systemClock, type Clock, type Logger } from "../../common/index.js";

/** How long a kept answer may be served; after that the next list goes to Docker again. */
export const LIST_MAX_AGE_MS = 10_000;
/** Backoff between attempts to open the event stream. */
export const EVENTS_RETRY_INITIAL_MS = 1000;
export const EVENTS_RETRY_MAX_MS = 30_000;
/** A stream that stayed open this long starts its next retry from the initial delay. */
const EVENTS_RETRY_RESET_MS = 60_000;

/** The actions that change what a list shows of a container (its state, or whether it exists). */
export const STATE_ACTIONS = ["create", "start", "restart", "die", "destroy", "pause", "unpause"] as const;

/** One listed container as the relist reads it: Docker's own State string. */
export interface ListedSummary {
  readonly id: string;
  readonly state: string;
  readonly podUid: string;
}

export interface ListCacheOptions {
  /**
   * Opens Docker's event stream for STATE_ACTIONS of the adapter's containers, from `sinceSeconds`
   * (Unix time); the stream ends when `signal` aborts.
   */
  readonly subscribe: (sinceSeconds: number, signal: AbortSignal) => Promise<Readable>;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly maxAgeMs?: number;
}

interface Kept {
  readonly at: number;
  readonly answer: readonly ListedSummary[];
}

export class ListCache {
  readonly #o: ListCacheOptions;
  readonly #clock: Clock;
  readonly #maxAgeMs: number;
  readonly #stop = new AbortController();
  readonly #kept = new Map<string, Kept>();
  /** Containers that died, until a list shows them not running; each with when it stops counting. */
  readonly #dying = new Map<string, number>();
  #generation = 0;
  #open = false;
  #watching = false;

  constructor(options: ListCacheOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#maxAgeMs = options.maxAgeMs ?? LIST_MAX_AGE_MS;
  }

  /** Whether the event stream is open, so that answers are kept. */
  get open(): boolean {
    return this.#open;
  }

  /** The answer kept under `key`, or a fresh one from `list`, kept when the rules allow. */
  async get(key: string, list: () => Promise<readonly ListedSummary[]>): Promise<readonly ListedSummary[]> {
    this.#watch();
    const now = this.#clock.now();
    const kept = this.#kept.get(key);
    if (kept !== undefined && this.#open && now - kept.at < this.#maxAgeMs) return kept.answer;
    const generation = this.#generation;
    const answer = await list();
    if (this.#settled(answer) && this.#open && generation === this.#generation) {
      this.#kept.set(key, { at: now, answer });
    }
    return answer;
  }

  /** Drops every kept answer: something may have changed. */
  forget(): void {
    this.#generation++;
    this.#kept.clear();
  }

  /** Closes the event stream for good; lists go to Docker from now on. */
  close(): void {
    this.#stop.abort();
    this.#open = false;
    this.forget();
  }

  /** Whether no container this answer lists running is known to have died; forgets those it shows gone. */
  #settled(answer: readonly ListedSummary[]): boolean {
    if (this.#dying.size === 0) return true;
    const now = this.#clock.now();
    for (const [id, until] of this.#dying) if (until <= now) this.#dying.delete(id);
    let settled = true;
    for (const s of answer) {
      if (!this.#dying.has(s.id)) continue;
      if (s.state === "running") settled = false;
      else this.#dying.delete(s.id);
    }
    return settled;
  }

  /** Starts following the event stream, once. */
  #watch(): void {
    if (this.#watching || this.#stop.signal.aborted) return;
    this.#watching = true;
    this.#follow().catch((err: unknown) => {
      this.#o.log.warn({ err: errorMessage(err) }, "docker event stream stopped");
    });
  }

  async #follow(): Promise<void> {
    const signal = this.#stop.signal;
    const backoff = new Backoff({
      initialMs: EVENTS_RETRY_INITIAL_MS,
      maxMs: EVENTS_RETRY_MAX_MS,
      resetAfterMs: EVENTS_RETRY_RESET_MS,
      clock: this.#clock,
    });
    while (!signal.aborted) {
      try {
        const since = Math.floor(this.#clock.now() / 1000) - 1;
        const stream = await this.#o.subscribe(since, signal);
        this.forget();
        this.#open = !signal.aborted;
        await this.#read(stream);
        if (!signal.aborted)
          this.#o.log.info("docker event stream ended; lists go to Docker until it is open again");
      } catch (err) {
        if (!signal.aborted) this.#o.log.info({ err: errorMessage(err) }, "docker event stream failed");
      }
      this.#open = false;
      this.forget();
      if (signal.aborted) return;
      await backoff.wait(signal).catch(() => undefined);
    }
  }

  /** Reads events until the stream ends: each drops the kept answers, and a `die` marks its container. */
  #read(stream: Readable): Promise<void> {
    return new Promise((resolve) => {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        this.forget();
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.#event(line);
      });
      const signal = this.#stop.signal;
      const done = (): void => {
        signal.removeEventListener("abort", done);
        stream.destroy();
        resolve();
      };
      stream.once("end", done);
      stream.once("error", done);
      stream.once("close", done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #event(line: string): void {
    if (line.trim() === "") return;
    let event: { Action?: unknown; Actor?: { ID?: unknown } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      this.#o.log.debug({ line }, "docker event not understood");
      return;
    }
    const id = event.Actor?.ID;
    if (event.Action === "die" && typeof id === "string") {
      this.#dying.set(id, this.#clock.now() + this.#maxAgeMs);
    }
  }
}
