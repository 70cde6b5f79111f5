/** Container log rotation for runtimes that write CRI log files (kubelet: pkg/kubelet/logs). */
export {
  ContainerLogManager,
  LOG_MONITOR_PERIOD_MS,
  rotationSuffix,
  type ContainerLogManagerOptions,
} from "./container-log-manager.js";
