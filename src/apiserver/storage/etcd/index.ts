export {
  ETCD_MAX_RESPONSE_BYTES,
  EtcdStorage,
  openEtcdStorage,
  type EtcdStorageOptions,
} from "./etcd-storage.js";
