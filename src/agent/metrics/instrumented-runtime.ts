/**
 * A ContainerRuntime that records every runtime call in the kubelet's runtime metrics (kubelet:
 * kuberuntime/instrumented_services.go): kubelet_runtime_operations_total, _duration_seconds and
 * _errors_total by operation_type, the kubelet's name of the CRI method ("run_podsandbox",
 * "list_containers", ...), on every runtime alike. RunPodSandbox also records
 * kubelet_run_podsandbox_duration_seconds and _errors_total by runtime handler. Reading logs is not
 * a CRI call (the kubelet reads the files) and is passed through unrecorded.
 */
import type { Duplex } from "node:stream";
import type { Clock } from "../../common/index.js";
import type {
  AttachStreamOptions,
  AuthConfig,
  ContainerConfig,
  ContainerFilter,
  ContainerRuntime,
  ExecStreamOptions,
  LogOptions,
  LogOutputOptions,
  PodSandboxConfig,
  PodSandboxFilter,
  RuntimeStatusOptions,
} from "../../runtime/index.js";
import type { KubeletMetrics } from "./kubelet-metrics.js";

type RuntimeMetrics = Pick<KubeletMetrics, "runtimeOperation" | "runPodSandbox">;

class InstrumentedRuntime implements ContainerRuntime {
  readonly name: string;
  readonly #r: ContainerRuntime;
  readonly #m: RuntimeMetrics;
  readonly #clock: Clock;
  readonly portForwardServer?: (podSandboxId: string, ports: readonly number[]) => Promise<string>;

  constructor(runtime: ContainerRuntime, metrics: RuntimeMetrics, clock: Clock) {
    this.name = runtime.name;
    this.#r = runtime;
    this.#m = metrics;
    this.#clock = clock;
    const server = runtime.portForwardServer?.bind(runtime);
    if (server !== undefined) {
      this.portForwardServer = (id, ports) => this.#op("port_forward", () => server(id, ports));
    }
  }

  async #op<T>(operation: string, call: () => Promise<T>, handler?: string): Promise<T> {
    const start = this.#clock.now();
    let failed = true;
    try {
      const out = await call();
      failed = false;
      return out;
    } finally {
      const seconds = (this.#clock.now() - start) / 1000;
      this.#m.runtimeOperation(operation, seconds, failed);
      if (handler !== undefined) this.#m.runPodSandbox(handler, seconds, failed);
    }
  }

  version() {
    return this.#op("version", () => this.#r.version());
  }
  status(options?: RuntimeStatusOptions) {
    return this.#op("status", () => this.#r.status(options));
  }
  updatePodCidr(podCidr: string) {
    return this.#op("update_runtime_config", () => this.#r.updatePodCidr(podCidr));
  }
  runPodSandbox(config: PodSandboxConfig) {
    const handler = config.runtimeHandler ?? "";
    return this.#op("run_podsandbox", () => this.#r.runPodSandbox(config), handler);
  }
  stopPodSandbox(id: string) {
    return this.#op("stop_podsandbox", () => this.#r.stopPodSandbox(id));
  }
  removePodSandbox(id: string) {
    return this.#op("remove_podsandbox", () => this.#r.removePodSandbox(id));
  }
  podSandboxStatus(id: string) {
    return this.#op("podsandbox_status", () => this.#r.podSandboxStatus(id));
  }
  listPodSandboxes(filter?: PodSandboxFilter) {
    return this.#op("list_podsandbox", () => this.#r.listPodSandboxes(filter));
  }
  listPodSandboxStates(filter?: PodSandboxFilter) {
    return this.#op("list_podsandbox", () => this.#r.listPodSandboxStates(filter));
  }
  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig) {
    return this.#op("create_container", () => this.#r.createContainer(podSandboxId, config, sandboxConfig));
  }
  startContainer(id: string) {
    return this.#op("start_container", () => this.#r.startContainer(id));
  }
  stopContainer(id: string, timeoutSeconds: number) {
    return this.#op("stop_container", () => this.#r.stopContainer(id, timeoutSeconds));
  }
  removeContainer(id: string) {
    return this.#op("remove_container", () => this.#r.removeContainer(id));
  }
  containerStatus(id: string) {
    return this.#op("container_status", () => this.#r.containerStatus(id));
  }
  listContainers(filter?: ContainerFilter) {
    return this.#op("list_containers", () => this.#r.listContainers(filter));
  }
  listContainerStates(filter?: ContainerFilter) {
    return this.#op("list_containers", () => this.#r.listContainerStates(filter));
  }
  execSync(id: string, cmd: readonly string[], timeoutSeconds: number) {
    return this.#op("exec_sync", () => this.#r.execSync(id, cmd, timeoutSeconds));
  }
  exec(id: string, options: ExecStreamOptions) {
    return this.#op("exec", () => this.#r.exec(id, options));
  }
  attach(id: string, options: AttachStreamOptions) {
    return this.#op("attach", () => this.#r.attach(id, options));
  }
  portForward(podSandboxId: string, port: number, signal?: AbortSignal): Promise<Duplex> {
    return this.#op("port_forward", () => this.#r.portForward(podSandboxId, port, signal));
  }
  reopenContainerLog(id: string) {
    return this.#op("reopen_container_log", () => this.#r.reopenContainerLog(id));
  }
  readLogs(id: string, options?: LogOptions) {
    return this.#r.readLogs(id, options);
  }
  readLogOutput(id: string, options?: LogOutputOptions) {
    return this.#r.readLogOutput(id, options);
  }
  containerStats(id: string) {
    return this.#op("container_stats", () => this.#r.containerStats(id));
  }
  listContainerStats(filter?: ContainerFilter) {
    return this.#op("list_container_stats", () => this.#r.listContainerStats(filter));
  }
  podSandboxStats(id: string) {
    return this.#op("podsandbox_stats", () => this.#r.podSandboxStats(id));
  }
  pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig) {
    return this.#op("pull_image", () => this.#r.pullImage(image, auth, sandboxConfig));
  }
  imageStatus(image: string) {
    return this.#op("image_status", () => this.#r.imageStatus(image));
  }
  listImages() {
    return this.#op("list_images", () => this.#r.listImages());
  }
  removeImage(image: string) {
    return this.#op("remove_image", () => this.#r.removeImage(image));
  }
  imageFsInfo() {
    return this.#op("image_fs_info", () => this.#r.imageFsInfo());
  }
  close() {
    return this.#r.close();
  }
}

/** The runtime with its calls recorded in metrics; the runtime itself is unchanged. */
export function instrumentRuntime(
  runtime: ContainerRuntime,
  metrics: RuntimeMetrics,
  clock: Clock,
): ContainerRuntime {
  return new InstrumentedRuntime(runtime, metrics, clock);
}
