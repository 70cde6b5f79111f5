/**
 * Probe results by container id, one cache per probe kind (kubelet: prober/results.Manager). A
 * change of a container's result calls the listener with the pod's uid, so that the pod is synced
 * (readiness into its status; a liveness or startup failure kills the container).
 */
export type Result = "success" | "failure" | "unknown";

interface Entry {
  readonly result: Result;
  readonly podUid: string;
}

export class ResultsCache {
  readonly #entries = new Map<string, Entry>();
  readonly #onChange: (podUid: string) => void;

  constructor(onChange: (podUid: string) => void) {
    this.#onChange = onChange;
  }

  get(containerId: string): Result | undefined {
    return this.#entries.get(containerId)?.result;
  }

  /** Sets a result; the listener hears of it only when it differs from the one held. */
  set(containerId: string, result: Result, podUid: string): void {
    const before = this.#entries.get(containerId);
    if (before?.result === result) return;
    this.#entries.set(containerId, { result, podUid });
    this.#onChange(podUid);
  }

  remove(containerId: string): void {
    this.#entries.delete(containerId);
  }

  get size(): number {
    return this.#entries.size;
  }
}
