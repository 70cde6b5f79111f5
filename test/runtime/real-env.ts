/** The contract environment of a real runtime started by scripts/runtime-env.sh. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ContainerRuntime } from "../../src/runtime/index.js";
import { requireEnv, testEnv } from "../support/env.js";
import { createPodCgroup, readContainerCgroup, removePodCgroup, removeTestCgroupRoot } from "./cgroupfs.js";
import type { ContractEnv, ContractImages } from "./contract.js";

const run = promisify(execFile);
const RUNTIME_ENV_SCRIPT = fileURLToPath(new URL("../../scripts/runtime-env.sh", import.meta.url));

/** Repository path of an image reference, without its registry ("berth/test:1.0"). */
function repositoryPath(image: string): string {
  const slash = image.indexOf("/");
  if (slash < 0) throw new Error(`TEST_IMAGE ${image} names no registry`);
  return image.slice(slash + 1);
}

export function realImages(): ContractImages {
  const test = testEnv.testImage();
  const path = repositoryPath(test);
  return {
    test,
    pullable: `${testEnv.registry()}/${path}`,
    authPullable: `${testEnv.authRegistry()}/${path}`,
    credentials: { username: testEnv.authRegistryUser(), password: testEnv.authRegistryPassword() },
    missing: `${testEnv.registry()}/berth/absent-${process.pid}:never`,
  };
}

async function daemon(action: "stop-daemon" | "start-daemon", name: "containerd" | "docker"): Promise<void> {
  await run("bash", [RUNTIME_ENV_SCRIPT, action, name], { timeout: 120_000 });
}

export function realContractEnv(options: {
  readonly daemon: "containerd" | "docker";
  readonly create: () => ContainerRuntime;
  readonly streamingExec: boolean;
}): ContractEnv {
  // Fail (never skip) when the environment is missing.
  requireEnv("BERTH_ENV_DIR");
  const runtime = options.create();
  const clients: ContainerRuntime[] = [];
  return {
    runtime,
    images: realImages(),
    createPodCgroup,
    removePodCgroup,
    readCgroup: readContainerCgroup,
    stopDaemon: () => daemon("stop-daemon", options.daemon),
    startDaemon: () => daemon("start-daemon", options.daemon),
    newRuntime: async () => {
      const client = options.create();
      clients.push(client);
      return client;
    },
    streamingExec: options.streamingExec,
    teardown: async () => {
      for (const client of clients) await client.close();
      await runtime.close();
      await removeTestCgroupRoot();
    },
  };
}
