/** `berth agent`: flags (+ --config file) -> AgentConfig -> Agent; SIGTERM and SIGINT stop it, pods keep running. */
import { Buffer } from "node:buffer";
import { parseArgs } from "node:util";
import { Agent } from "../agent/index.js";
import { BerthError, ErrorCode, createLogger, errorMessage } from "../common/index.js";
import { loadAgentConfig, type AgentFlags } from "../config/index.js";
import type { Command } from "./commands.js";

const USAGE = `usage: berth agent (--kubeconfig FILE | --bootstrap-kubeconfig FILE [--kubeconfig FILE])
                   [--node-name NAME] [--runtime containerd|docker]
                   [--runtime-endpoint URL] [--root-dir DIR] [--config FILE]
                   [--pod-infra-image REF] [--node-ip IP[,IP]]
`;

/** Parses argv into the config's flags; a bad or unknown flag is a Config error with the usage. */
export function parseAgentFlags(argv: readonly string[]): AgentFlags & { readonly help: boolean } {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        kubeconfig: { type: "string" },
        "bootstrap-kubeconfig": { type: "string" },
        "node-name": { type: "string" },
        runtime: { type: "string" },
        "runtime-endpoint": { type: "string" },
        "root-dir": { type: "string" },
        config: { type: "string" },
        "pod-infra-image": { type: "string" },
        "node-ip": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new BerthError(ErrorCode.Config, `${errorMessage(err)}\n${USAGE}`);
  }
  const pick = (v: string | undefined) => v;
  return {
    help: values.help === true,
    ...definedOnly({
      kubeconfig: pick(values.kubeconfig),
      bootstrapKubeconfig: pick(values["bootstrap-kubeconfig"]),
      nodeName: pick(values["node-name"]),
      runtime: pick(values.runtime),
      runtimeEndpoint: pick(values["runtime-endpoint"]),
      rootDir: pick(values["root-dir"]),
      config: pick(values.config),
      podInfraImage: pick(values["pod-infra-image"]),
      nodeIp: pick(values["node-ip"]),
    }),
  };
}

function definedOnly<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<
    Record<keyof T, string>
  >;
}

/**
 * The slab small Buffers are cut from (Buffer.from, allocUnsafe under half of it): Node's default
 * until v24, which raised it to 64 KiB. A slab lives while any slice of it does, so in a burst of
 * pod starts a few long-lived slices held whole 64 KiB slabs among freed memory that glibc cannot
 * hand back: 110 pods probed every 10 s, interleaved runs, 82.4 and 82.2 MiB with 64 KiB slabs,
 * 77.8 and 78.6 with 8 KiB (docs/agent.md "Memory").
 */
export const AGENT_BUFFER_POOL_SIZE = 8 * 1024;

export const agent: Command = {
  name: "agent",
  summary: "run the node agent (registers the node, runs its pods)",
  async run(argv) {
    Buffer.poolSize = AGENT_BUFFER_POOL_SIZE;
    const { help, ...flags } = parseAgentFlags(argv);
    if (help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const config = await loadAgentConfig({ flags, env: process.env });
    const logger = createLogger({ name: "agent", level: config.logLevel });
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, "stopping agent");
      controller.abort();
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    const node = new Agent({ config, logger });
    try {
      node.start(controller.signal);
      const stopped = new Promise<void>((resolve) =>
        controller.signal.addEventListener("abort", () => resolve(), { once: true }),
      );
      // A start failure (bad kubeconfig, unreadable resolvConf, ...) ends the process with its message.
      await Promise.race([node.ready, stopped]);
      await stopped;
      return 0;
    } finally {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      await node.stop();
    }
  },
};
