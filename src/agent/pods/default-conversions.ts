/**
 * The production PodConversions: the pure builders of container/ and status/ fed with what they
 * need from the node: the pod's volumes and env objects (set up and read by the sync), its
 * termination message file and /etc/hosts, and the node's facts.
 */
import type { IContainer, IPod } from "kubernetes-models/v1";
import { ANNOTATION_CONTAINER_HASH, type ContainerRuntime } from "../../runtime/index.js";
import { prepareEtcHosts, prepareTerminationMessageFile } from "../volumes/index.js";
import {
  buildContainerConfig,
  buildSandboxConfig,
  containerHash,
  downwardVolumeValue,
  podHostnameAndDomain,
  verifyRunAsNonRoot,
  type ClusterDns,
  type HostDns,
} from "./container/index.js";
import { checkSeccompProfile, type SeccompOptions } from "../security/index.js";
import { computePodStatus, statusEqual } from "./status/index.js";
import type { PodConversions } from "./sync/index.js";

/** What the node knows about itself, read when a container is built. */
export interface NodeFacts {
  readonly hostIPs: readonly string[];
  readonly memoryCapacityBytes: number;
  readonly allocatable?: Readonly<Record<string, string | number>>;
  readonly hostDns: HostDns;
  readonly clusterDns?: ClusterDns;
  /** KubeletConfiguration clusterDomain ("" when unset). */
  readonly clusterDomain: string;
}

export interface DefaultConversionsOptions {
  /** Where the image's user comes from for runAsNonRoot. */
  readonly images: Pick<ContainerRuntime, "imageStatus">;
  readonly nodeName: string;
  readonly podsDir: string;
  readonly logsDir: string;
  readonly node: () => NodeFacts;
  /** The runtime's name: the scheme of container ids in the status. */
  readonly runtimeName: string;
  /** The seccomp root (<root-dir>/seccomp) and seccompDefault; the kubelet's defaults when absent. */
  readonly seccomp?: SeccompOptions;
}

export function createPodConversions(options: DefaultConversionsOptions): PodConversions {
  const { nodeName, podsDir, logsDir } = options;
  const etcHosts = (pod: IPod, uid: string, podIPs: readonly string[], clusterDomain: string | undefined) => {
    const { hostname, domain } = podHostnameAndDomain(pod, clusterDomain);
    return prepareEtcHosts(podsDir, uid, podIPs, hostname, domain, pod.spec?.hostAliases ?? []);
  };
  return {
    sandboxConfig(pod, { attempt, cgroupParent }) {
      const facts = options.node();
      return buildSandboxConfig(pod, {
        attempt,
        logDirectory: logsDir,
        hostDns: facts.hostDns,
        ...(cgroupParent === undefined ? {} : { cgroupParent }),
        ...(facts.clusterDns === undefined ? {} : { clusterDns: facts.clusterDns }),
        ...(options.seccomp === undefined ? {} : { seccompDefault: options.seccomp.seccompDefault }),
        clusterDomain: facts.clusterDomain,
      });
    },
    async containerConfig(
      pod: IPod,
      container: IContainer,
      { podIPs, restartCount, volumeHostPaths, envObjects },
    ) {
      await verifyRunAsNonRoot(pod, container, (image) => options.images.imageStatus(image));
      const facts = options.node();
      const uid = pod.metadata?.uid ?? "";
      const terminationMessageHostPath = container.terminationMessagePath
        ? await prepareTerminationMessageFile(podsDir, uid, container.name, restartCount)
        : undefined;
      const hostNetwork = pod.spec?.hostNetwork === true;
      const etcHostsHostPath = hostNetwork
        ? undefined
        : await etcHosts(pod, uid, podIPs, facts.clusterDomain);
      const readOnlyVolumes = new Set(
        (pod.spec?.volumes ?? [])
          .filter((v) => v.configMap ?? v.secret ?? v.downwardAPI ?? v.projected)
          .map((v) => v.name),
      );
      const config = buildContainerConfig(pod, container, {
        ...envObjects,
        volumeHostPaths,
        readOnlyVolumes,
        ...(terminationMessageHostPath === undefined ? {} : { terminationMessageHostPath }),
        ...(etcHostsHostPath === undefined ? {} : { etcHostsHostPath }),
        attempt: restartCount,
        podIPs: hostNetwork ? facts.hostIPs : podIPs,
        hostIPs: facts.hostIPs,
        nodeName,
        memoryCapacityBytes: facts.memoryCapacityBytes,
        ...(facts.allocatable === undefined ? {} : { nodeAllocatable: facts.allocatable }),
        ...(options.seccomp === undefined ? {} : { seccomp: options.seccomp }),
      });
      // A missing Localhost profile is a CreateContainerConfigError on every runtime.
      if (config.security?.privileged !== true) await checkSeccompProfile(config.security?.seccomp);
      return config;
    },
    containerHash: (container) => containerHash(container),
    runningHash: (status) => status.annotations[ANNOTATION_CONTAINER_HASH],
    podStatus: (pod, { view, now, waiting, failure, terminal, readiness, startup }) =>
      computePodStatus(
        pod,
        view,
        {
          runtimeName: options.runtimeName,
          hostIPs: options.node().hostIPs,
          waiting,
          terminal,
          ...(readiness === undefined ? {} : { readiness }),
          ...(startup === undefined ? {} : { startup }),
          ...(failure === undefined ? {} : { failure }),
        },
        now,
      ),
    statusEqual: (a, b) => statusEqual(a, b),
    downwardValue: (item, pod) => {
      const facts = options.node();
      return downwardVolumeValue(item, pod, {
        nodeName,
        hostIPs: facts.hostIPs,
        podIPs: (pod.status?.podIPs ?? []).map((p) => p.ip ?? ""),
        memoryCapacityBytes: facts.memoryCapacityBytes,
        ...(facts.allocatable === undefined ? {} : { nodeAllocatable: facts.allocatable }),
      });
    },
  };
}
