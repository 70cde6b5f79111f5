import { createCriRuntime } from "../../src/runtime/cri/index.js";
import { testEnv } from "../support/env.js";
import { runtimeContract } from "./contract.js";
import { realContractEnv } from "./real-env.js";

runtimeContract("containerd", async () =>
  realContractEnv({
    daemon: "containerd",
    create: () => createCriRuntime({ endpoint: testEnv.containerdEndpoint() }),
    streamingExec: true,
  }),
);
