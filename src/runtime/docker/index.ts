export {
  createDockerRuntime,
  createDockerClient,
  DOCKER_POD_NETWORK,
  DOCKER_RUNTIME_NAME,
  type DockerRuntimeOptions,
} from "./docker-runtime.js";
