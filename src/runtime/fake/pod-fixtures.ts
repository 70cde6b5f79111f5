/**
 * A pod's sandbox and a running container on any ContainerRuntime, shaped as the agent makes them
 * (the kubelet's pod labels), for unit tests that need a few real objects in the FakeRuntime.
 */
import { containerLabels, sandboxLabels } from "../labels.js";
import type { ContainerRuntime } from "../runtime.js";
import type { Labels, PodSandboxConfig } from "../types.js";

/** The sandbox of pod `pod-UID` in "default", with `labels` beside the pod labels. */
export function fixtureSandboxConfig(uid: string, labels: Labels = {}, attempt = 0): PodSandboxConfig {
  const pod = { name: `pod-${uid}`, namespace: "default", uid };
  return {
    metadata: { ...pod, attempt },
    logDirectory: `/logs/${uid}`,
    portMappings: [],
    labels: { ...sandboxLabels(pod), ...labels },
    annotations: {},
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    sysctls: {},
  };
}

/**
 * Creates and starts container `name` (attempt 0, `sleep infinity`) in the sandbox, labelled as
 * the sandbox is and with its container name; returns its id.
 */
export async function startFixtureContainer(
  runtime: ContainerRuntime,
  sandboxId: string,
  sandbox: PodSandboxConfig,
  name: string,
  image: string,
): Promise<string> {
  const id = await runtime.createContainer(
    sandboxId,
    {
      metadata: { name, attempt: 0 },
      image: { image },
      command: ["sleep", "infinity"],
      args: [],
      envs: [],
      mounts: [],
      labels: { ...sandbox.labels, ...containerLabels(sandbox.metadata, name) },
      annotations: {},
      logPath: `${name}/0.log`,
    },
    sandbox,
  );
  await runtime.startContainer(id);
  return id;
}
