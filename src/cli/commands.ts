import { version } from "./version.js";

/** A subcommand: parses its own argv, resolves config, starts a component. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}

/**
 * A command whose module is imported on first use, so that `berth agent` does not load the API
 * server's code (nor the API server the agent's): about 10 MiB less resident per process.
 */
function lazy(name: string, summary: string, load: () => Promise<Command>): Command {
  return { name, summary, run: async (argv) => (await load()).run(argv) };
}

/** Every subcommand, in the order `berth help` lists them. */
export const commands: readonly Command[] = [
  version,
  lazy(
    "apiserver",
    "run the mini Kubernetes API server",
    async () => (await import("./apiserver.js")).apiserver,
  ),
  lazy(
    "agent",
    "run the node agent (registers the node, runs its pods)",
    async () => (await import("./agent.js")).agent,
  ),
  lazy(
    "scheduler",
    "run the scheduler (binds pending pods to nodes)",
    async () => (await import("./scheduler.js")).scheduler,
  ),
  lazy(
    "controller-manager",
    "run the Deployment, ReplicaSet, garbage collector, namespace, node lifecycle and node IPAM controllers",
    async () => (await import("./controller-manager.js")).controllerManager,
  ),
  lazy(
    "kubeconfig",
    "print a kubeconfig for a node (user system:node:NAME)",
    async () => (await import("./kubeconfig.js")).kubeconfig,
  ),
  lazy(
    "token",
    "create bootstrap tokens and the kubeconfig a node joins with",
    async () => (await import("./token.js")).token,
  ),
];
