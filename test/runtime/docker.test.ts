import { createDockerRuntime } from "../../src/runtime/docker/index.js";
import { testEnv } from "../support/env.js";
import { runtimeContract } from "./contract.js";
import { realContractEnv } from "./real-env.js";

runtimeContract("docker", async () =>
  realContractEnv({
    daemon: "docker",
    create: () =>
      createDockerRuntime({ endpoint: testEnv.dockerEndpoint(), podInfraImage: testEnv.pauseImage() }),
    streamingExec: true,
  }),
);
