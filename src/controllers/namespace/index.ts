/** The namespace controller: empties a Terminating namespace, then finalizes it. */
export {
  NamespaceController,
  FINALIZER_KUBERNETES,
  NAMESPACE_WORKERS,
  type NamespaceControllerOptions,
} from "./controller.js";
