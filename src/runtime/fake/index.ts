export {
  FakeRuntime,
  FAKE_CPU_MILLICORES,
  FAKE_IMAGE_FS,
  FAKE_MEMORY_BYTES,
  FAKE_RUNTIME_NAME,
  FAKE_RUNTIME_VERSION,
  type FakeImageOptions,
  type FakeRegistryImageOptions,
  type FakeRuntimeOptions,
} from "./fake-runtime.js";
export { FakeState, type FakeExecHandler, type FakeExecResult } from "./fake-state.js";
export { FAKE_LOG_MAX_LINES } from "./log-buffer.js";
export { fixtureSandboxConfig, startFixtureContainer } from "./pod-fixtures.js";
