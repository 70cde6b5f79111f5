/**
 * The pool of per-node pod ranges cut from the cluster CIDR (pkg/controller/nodeipam/ipam/cidrset):
 * the cluster range split into blocks of one mask size, a bitmap of the blocks in use, the next
 * search starting after the last block handed out. IPv4 only.
 */
import { BerthError, ErrorCode } from "../../common/errors.js";

/** cidrset: clusterSubnetMaxDiff, the largest number of bits between cluster and node masks. */
export const CLUSTER_SUBNET_MAX_DIFF = 16;

/** An IPv4 CIDR as a 32-bit base address and a prefix length. */
export interface Cidr4 {
  readonly base: number;
  readonly prefix: number;
}

export function parseCidr4(text: string, what: string): Cidr4 {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  const octets = m === null ? [] : m.slice(1, 5).map(Number);
  const prefix = m === null ? NaN : Number(m[5]);
  if (m === null || octets.some((o) => o > 255) || prefix > 32) {
    throw new BerthError(
      ErrorCode.Config,
      `${what}: ${JSON.stringify(text)} is not an IPv4 CIDR such as 10.244.0.0/16`,
    );
  }
  const addr = octets.reduce((acc, o) => acc * 256 + o, 0);
  const base = prefix === 0 ? 0 : (addr - (addr % 2 ** (32 - prefix))) >>> 0;
  return { base, prefix };
}

export function formatCidr4(cidr: Cidr4): string {
  const b = cidr.base;
  return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${cidr.prefix}`;
}

export class CidrSet {
  readonly cluster: Cidr4;
  readonly nodeMaskSize: number;
  readonly #max: number;
  readonly #used: Uint8Array;
  #count = 0;
  #next = 0;

  constructor(cluster: Cidr4, nodeMaskSize: number) {
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize < cluster.prefix || nodeMaskSize > 32) {
      throw new BerthError(
        ErrorCode.Config,
        `--node-cidr-mask-size ${nodeMaskSize} must be between the cluster CIDR's prefix (${cluster.prefix}) and 32`,
      );
    }
    if (nodeMaskSize - cluster.prefix > CLUSTER_SUBNET_MAX_DIFF) {
      throw new BerthError(
        ErrorCode.Config,
        `the difference between the cluster CIDR's mask (${cluster.prefix}) and --node-cidr-mask-size (${nodeMaskSize}) must be at most ${CLUSTER_SUBNET_MAX_DIFF}`,
      );
    }
    this.cluster = cluster;
    this.nodeMaskSize = nodeMaskSize;
    this.#max = 2 ** (nodeMaskSize - cluster.prefix);
    this.#used = new Uint8Array(this.#max);
  }

  get size(): number {
    return this.#max;
  }

  get allocated(): number {
    return this.#count;
  }

  /** AllocateNext: the next free block, or undefined when every block is taken. */
  allocateNext(): Cidr4 | undefined {
    for (let i = 0; i < this.#max; i++) {
      const index = (this.#next + i) % this.#max;
      if (this.#used[index] === 0) {
        this.#mark(index, true);
        this.#next = (index + 1) % this.#max;
        return this.#block(index);
      }
    }
    return undefined;
  }

  /** Occupy: marks a node's existing range taken; false when it lies outside the cluster CIDR. */
  occupy(cidr: Cidr4): boolean {
    const indices = this.#indices(cidr);
    if (indices === undefined) return false;
    for (const i of indices) this.#mark(i, true);
    return true;
  }

  /** Release: gives a node's range back. */
  release(cidr: Cidr4): void {
    for (const i of this.#indices(cidr) ?? []) this.#mark(i, false);
  }

  #mark(index: number, used: boolean): void {
    const was = this.#used[index] === 1;
    if (was === used) return;
    this.#used[index] = used ? 1 : 0;
    this.#count += used ? 1 : -1;
  }

  #block(index: number): Cidr4 {
    return {
      base: (this.cluster.base + index * 2 ** (32 - this.nodeMaskSize)) >>> 0,
      prefix: this.nodeMaskSize,
    };
  }

  /** The block indices a CIDR covers (a larger range covers several), if inside the cluster CIDR. */
  #indices(cidr: Cidr4): number[] | undefined {
    const clusterSpan = 2 ** (32 - this.cluster.prefix);
    const offset = cidr.base - this.cluster.base;
    if (cidr.prefix < this.cluster.prefix || offset < 0 || offset >= clusterSpan) return undefined;
    const blockSpan = 2 ** (32 - this.nodeMaskSize);
    const span = 2 ** (32 - cidr.prefix);
    const first = Math.floor(offset / blockSpan);
    const count = Math.max(1, Math.floor(span / blockSpan));
    return Array.from({ length: count }, (_, k) => first + k);
  }
}
