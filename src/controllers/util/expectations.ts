/**
 * ControllerExpectations (controller_utils): how many creations and deletions a controller has
 * asked for and not yet seen in its informer. A key whose expectations are not met is not synced
 * again (it would act twice), unless they are older than EXPECTATIONS_TIMEOUT_MS.
 */
import type { Clock } from "../../common/clock.js";

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000; // controller.ExpectationsTimeout

interface Expectation {
  add: number;
  del: number;
  /** Pods whose deletion was asked for (UIDTrackingControllerExpectations). */
  readonly deleting: Set<string>;
  readonly at: number;
}

export class Expectations {
  readonly #byKey = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  satisfied(key: string): boolean {
    const e = this.#byKey.get(key);
    if (e === undefined) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, n: number): void {
    this.#byKey.set(key, { add: n, del: 0, deleting: new Set(), at: this.clock.now() });
  }

  expectDeletions(key: string, uids: readonly string[]): void {
    this.#byKey.set(key, { add: 0, del: uids.length, deleting: new Set(uids), at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.#byKey.get(key);
    if (e !== undefined) e.add--;
  }

  /** A pod creation that was asked for and will not happen (the create failed). */
  creationSkipped(key: string): void {
    this.creationObserved(key);
  }

  deletionObserved(key: string, uid: string): void {
    const e = this.#byKey.get(key);
    if (e === undefined || !e.deleting.delete(uid)) return;
    e.del--;
  }

  delete(key: string): void {
    this.#byKey.delete(key);
  }
}
