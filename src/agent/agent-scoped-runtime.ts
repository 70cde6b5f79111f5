/**
 * The runtime as one agent's pod machinery sees it: every sandbox and container it creates carries
 * the label io.berth.node.name=NODE, and its lists only return objects with that label. Several
 * agents (test harnesses, hollow nodes, a containerd and a Docker suite at once) can then share one
 * runtime without removing each other's pods as orphans. The kubelet assumes the runtime is its
 * own and has no such label; docs/agent.md lists this difference.
 */
import type {
  AuthConfig,
  ContainerConfig,
  ContainerFilter,
  ContainerRuntime,
  ExecStreamOptions,
  LogOptions,
  PodSandboxConfig,
  PodSandboxFilter,
} from "../runtime/index.js";

/** The label naming the agent (node) that owns a runtime object. */
export const LABEL_BERTH_NODE_NAME = "io.berth.node.name";

type Method<K extends keyof ContainerRuntime> = ContainerRuntime[K];

export class ScopedRuntime implements ContainerRuntime {
  readonly name: string;
  readonly #rt: ContainerRuntime;
  readonly #mark: Readonly<Record<string, string>>;

  constructor(runtime: ContainerRuntime, nodeName: string) {
    this.#rt = runtime;
    this.name = runtime.name;
    this.#mark = { [LABEL_BERTH_NODE_NAME]: nodeName };
  }

  #sandboxConfig(config: PodSandboxConfig): PodSandboxConfig {
    return { ...config, labels: { ...config.labels, ...this.#mark } };
  }

  #scope<F extends { readonly labelSelector?: Readonly<Record<string, string>> }>(filter: F | undefined): F {
    return { ...filter, labelSelector: { ...filter?.labelSelector, ...this.#mark } } as F;
  }

  runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return this.#rt.runPodSandbox(this.#sandboxConfig(config));
  }
  createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    const labels = { ...config.labels, ...this.#mark };
    return this.#rt.createContainer(podSandboxId, { ...config, labels }, this.#sandboxConfig(sandboxConfig));
  }
  listPodSandboxes(filter?: PodSandboxFilter): ReturnType<Method<"listPodSandboxes">> {
    return this.#rt.listPodSandboxes(this.#scope(filter));
  }
  listContainers(filter?: ContainerFilter): ReturnType<Method<"listContainers">> {
    return this.#rt.listContainers(this.#scope(filter));
  }
  listContainerStats(filter?: ContainerFilter): ReturnType<Method<"listContainerStats">> {
    return this.#rt.listContainerStats(this.#scope(filter));
  }

  // Everything addressed by id, and images, pass through.
  version(): ReturnType<Method<"version">> {
    return this.#rt.version();
  }
  status(): ReturnType<Method<"status">> {
    return this.#rt.status();
  }
  stopPodSandbox(id: string): Promise<void> {
    return this.#rt.stopPodSandbox(id);
  }
  removePodSandbox(id: string): Promise<void> {
    return this.#rt.removePodSandbox(id);
  }
  podSandboxStatus(id: string): ReturnType<Method<"podSandboxStatus">> {
    return this.#rt.podSandboxStatus(id);
  }
  startContainer(id: string): Promise<void> {
    return this.#rt.startContainer(id);
  }
  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    return this.#rt.stopContainer(id, timeoutSeconds);
  }
  removeContainer(id: string): Promise<void> {
    return this.#rt.removeContainer(id);
  }
  containerStatus(id: string): ReturnType<Method<"containerStatus">> {
    return this.#rt.containerStatus(id);
  }
  execSync(id: string, cmd: readonly string[], timeoutSeconds: number): ReturnType<Method<"execSync">> {
    return this.#rt.execSync(id, cmd, timeoutSeconds);
  }
  exec(id: string, options: ExecStreamOptions): ReturnType<Method<"exec">> {
    return this.#rt.exec(id, options);
  }
  readLogs(id: string, options?: LogOptions): ReturnType<Method<"readLogs">> {
    return this.#rt.readLogs(id, options);
  }
  containerStats(id: string): ReturnType<Method<"containerStats">> {
    return this.#rt.containerStats(id);
  }
  podSandboxStats(id: string): ReturnType<Method<"podSandboxStats">> {
    return this.#rt.podSandboxStats(id);
  }
  pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    return this.#rt.pullImage(image, auth, sandboxConfig && this.#sandboxConfig(sandboxConfig));
  }
  imageStatus(image: string): ReturnType<Method<"imageStatus">> {
    return this.#rt.imageStatus(image);
  }
  listImages(): ReturnType<Method<"listImages">> {
    return this.#rt.listImages();
  }
  removeImage(image: string): Promise<void> {
    return this.#rt.removeImage(image);
  }
  close(): Promise<void> {
    return this.#rt.close();
  }
}
