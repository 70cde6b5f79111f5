/**
 * The host side of a pod's volumes and files (kubelet: volume manager, the emptydir, hostpath,
 * configmap, secret, downwardapi and projected plugins, and makeMounts' files), under
 * <podsDir>/<uid>: volumes/<plugin>/<name>, containers/<name>/<restartCount>, etc-hosts.
 */
export {
  VolumeManager,
  podObjectRefs,
  type DownwardResolver,
  type VolumeManagerOptions,
  type VolumeSetUp,
} from "./volume-manager.js";
export { REASON_FAILED_MOUNT, VolumeSetUpError, isVolumeSetUpError } from "./errors.js";
export { hostMounter, type Mounter } from "./mounter.js";
export { EMPTY_DIR_PLUGIN } from "./empty-dir.js";
export { CONFIG_MAP_PLUGIN, DOWNWARD_API_PLUGIN, PROJECTED_PLUGIN, SECRET_PLUGIN } from "./api-volumes.js";
export { podDirectory } from "./pod-directory.js";
export { prepareEtcHosts, prepareTerminationMessageFile } from "./pod-files.js";
