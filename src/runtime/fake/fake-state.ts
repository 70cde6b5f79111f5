import type { BerthError } from "../../common/index.js";
import type { Clock } from "../../common/index.js";
import type { ContainerConfig, ContainerState, Image, PodSandboxConfig, SandboxState } from "../types.js";
import type { FakeProcess } from "./fake-process.js";
import type { LogBuffer } from "./log-buffer.js";

/** What an exec control returns instead of interpreting the command. */
export interface FakeExecResult {
  readonly stdout?: string | Buffer;
  readonly stderr?: string | Buffer;
  readonly exitCode?: number;
  /** Clock time the command takes (an exec timeout shorter than this is DeadlineExceeded). */
  readonly durationMs?: number;
}

export type FakeExecHandler = (cmd: readonly string[]) => FakeExecResult | undefined;

export interface SandboxRecord {
  readonly id: string;
  readonly config: PodSandboxConfig;
  state: SandboxState;
  readonly createdAt: bigint;
  readonly ip: string;
  /** Ports something in the pod listens on (its network namespace), with a use count. */
  readonly listeners: Map<number, number>;
}

export interface ContainerRecord {
  readonly id: string;
  readonly sandboxId: string;
  readonly config: ContainerConfig;
  readonly logDirectory: string;
  readonly imageRef: string;
  state: ContainerState;
  readonly createdAt: bigint;
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  reason: string;
  message: string;
  readonly logs: LogBuffer;
  process?: FakeProcess;
  /** Resolves when the container leaves "running". */
  exited?: Promise<void>;
  markExited?: () => void;
  exec?: FakeExecHandler;
  memoryBytes?: number;
}

export interface RegistryImage {
  readonly user: string;
  readonly size: number;
  /** Credentials the registry demands; undefined for an open registry. */
  readonly credentials?: { readonly username: string; readonly password: string };
}

export interface PullFailure {
  readonly error: BerthError;
  remaining: number;
}

/**
 * The daemon side of the fake: everything a real runtime keeps across client connections.
 * Several FakeRuntime instances may share one state, as agents restarted against one daemon do.
 */
export class FakeState {
  readonly sandboxes = new Map<string, SandboxRecord>();
  readonly containers = new Map<string, ContainerRecord>();
  /** Present images by normalised reference. */
  readonly images = new Map<string, Image>();
  /** What a pull can fetch, by normalised reference. */
  readonly registry = new Map<string, RegistryImage>();
  readonly pullFailures = new Map<string, PullFailure>();
  /** Reserved names: sandbox name_namespace_uid_attempt, and sandbox id/container name/attempt. */
  readonly sandboxNames = new Map<string, string>();
  readonly containerNames = new Map<string, string>();
  available = true;
  networkReady = true;
  /** The pod CIDR last given through updatePodCidr (CRI UpdateRuntimeConfig). */
  podCidr = "";
  #nextIp = 2;

  constructor(
    readonly clock: Clock,
    /** Any well-formed reference is pullable (hollow nodes). */
    readonly pullAny = false,
  ) {}

  /** Pod IPs from 10.88.0.0/16, the way a bridge CNI hands them out. */
  allocateIp(): string {
    const n = this.#nextIp++;
    return `10.88.${(n >> 8) & 0xff}.${n & 0xff}`;
  }
}

export type { ContainerState };
