/**
 * The host side of a pod's volumes and files (kubelet: volume manager and makeMounts), under
 * <podsDir>/<uid>: volumes/kubernetes.io~empty-dir/<name>, containers/<name>/<restartCount>,
 * etc-hosts.
 */
export { preparePodVolumes } from "./pod-volumes.js";
export { EMPTY_DIR_PLUGIN } from "./empty-dir.js";
export { podDirectory } from "./pod-directory.js";
export { prepareEtcHosts, prepareTerminationMessageFile } from "./pod-files.js";
