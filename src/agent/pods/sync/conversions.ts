/**
 * The pod-to-runtime conversions and the status computation the sync drives (built from
 * container/ and status/), as one narrow seam so that the sync depends on what it uses and
 * nothing more.
 */
import type { IContainer, IDownwardAPIVolumeFile, IPod, IPodStatus } from "kubernetes-models/v1";
import type { ContainerConfig, ContainerStatus, PodSandboxConfig } from "../../../runtime/index.js";
import type { RuntimeSnapshot } from "../workers/index.js";

/** Why a container is not running although the agent wants it to (the waiting reason and message). */
export interface WaitingReason {
  readonly reason: string;
  readonly message: string;
}

/** A pod-level failure that makes the pod Failed (DeadlineExceeded, an admission rejection). */
export interface PodFailure {
  readonly reason: string;
  readonly message: string;
}

export interface SandboxInputs {
  readonly attempt: number;
  readonly cgroupParent: string | undefined;
}

export interface ContainerInputs {
  readonly sandboxConfig: PodSandboxConfig;
  /** The sandbox's IPs (empty with host networking). */
  readonly podIPs: readonly string[];
  readonly restartCount: number;
  /** Volume name -> host path of every volume set up for the pod. */
  readonly volumeHostPaths: ReadonlyMap<string, string>;
  /** The ConfigMaps and Secrets the pod uses, as text by name (absent: not found). */
  readonly envObjects: {
    readonly configMaps: ReadonlyMap<string, Readonly<Record<string, string>>>;
    readonly secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
  };
}

export interface StatusInputs {
  /** The runtime view, exited containers' messages already read from their termination message. */
  readonly view: RuntimeSnapshot;
  readonly now: Date;
  readonly waiting: Readonly<Record<string, WaitingReason>>;
  readonly failure: PodFailure | undefined;
  /** The agent has stopped the pod for good (it is being deleted). */
  readonly terminal: boolean;
  /** Readiness and startup probe results by container name (src/agent/probes). */
  readonly readiness?: Readonly<Record<string, boolean>>;
  readonly startup?: Readonly<Record<string, boolean>>;
}

export interface PodConversions {
  sandboxConfig(pod: IPod, inputs: SandboxInputs): PodSandboxConfig;
  /** Throws a BerthError (CreateContainerConfigError) when the spec cannot be turned into a config. */
  containerConfig(pod: IPod, container: IContainer, inputs: ContainerInputs): Promise<ContainerConfig>;
  /** The hash a running container must carry to be current; a different one restarts it. */
  containerHash(container: IContainer): string;
  /** The annotation holding the hash on a runtime container. */
  runningHash(status: ContainerStatus): string | undefined;
  podStatus(pod: IPod, inputs: StatusInputs): IPodStatus;
  statusEqual(a: IPodStatus | undefined, b: IPodStatus): boolean;
  /** The content of a downwardAPI volume item (fieldRef, or resourceFieldRef naming a container). */
  downwardValue(item: IDownwardAPIVolumeFile, pod: IPod): string;
}
