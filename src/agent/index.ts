/**
 * The node agent: `Agent` composes the runtime adapter, the API client, the event recorder, the
 * node controller, pod cgroups and the pod manager (see docs/agent.md). The rooms below it
 * (node/, pods/, resources/, events/) have their own index.ts surfaces.
 */
export {
  Agent,
  AGENT_USER_AGENT,
  LOGS_DIR_NAME,
  PODS_DIR_NAME,
  RUNTIME_WAIT_INITIAL_MS,
  RUNTIME_WAIT_MAX_MS,
  type AgentOptions,
} from "./agent.js";
export { parseResolvConf, readHostResolver, type HostResolver } from "./agent-host-dns.js";
