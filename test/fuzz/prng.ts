/**
 * A small seeded pseudo-random generator (splitmix32 to seed, then sfc32), so that every fuzz case
 * is a pure function of (seed, case number) and a failure replays with BERTH_FUZZ_SEED and
 * BERTH_FUZZ_CASE. No dependency: the generator is twenty lines.
 */

/** The seed CI runs with; BERTH_FUZZ_SEED overrides it (any 32-bit integer). */
export const DEFAULT_FUZZ_SEED = 0x1919;

export function fuzzSeed(): number {
  const text = process.env.BERTH_FUZZ_SEED;
  if (text === undefined || text === "") return DEFAULT_FUZZ_SEED;
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new Error(`BERTH_FUZZ_SEED must be an integer, not ${text}`);
  return seed >>> 0;
}

/** BERTH_FUZZ_CASE=N runs only case N (to replay one failure). */
export function onlyCase(): number | undefined {
  const text = process.env.BERTH_FUZZ_CASE;
  return text === undefined || text === "" ? undefined : Number(text);
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(readonly seed: number) {
    const mix = splitmix32(seed);
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
  }

  /** The generator of case `n` of a run seeded with `seed`: cases do not depend on each other. */
  static forCase(seed: number, n: number): Prng {
    return new Prng((Math.imul(seed ^ 0x5bd1e995, 0x01000193) + Math.imul(n + 1, 0x9e3779b1)) >>> 0);
  }

  /** sfc32: a uint32. */
  uint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.uint32() / 0x1_0000_0000) * n);
  }

  chance(p: number): boolean {
    return this.uint32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}
