/** `berth controller-manager`: flags -> ControllerManager; SIGTERM and SIGINT stop it cleanly. */
import { parseArgs } from "node:util";
import { ApiClient } from "../api/index.js";
import { BerthError, ErrorCode, createLogger, errorMessage } from "../common/index.js";
import { CidrSet, ControllerManager, NODE_CIDR_MASK_SIZE_IPV4, parseCidr4 } from "../controllers/index.js";
import type { Command } from "./commands.js";

const USAGE = `usage: berth controller-manager --kubeconfig FILE [--leader-elect=true|false] [--identity NAME]
                                [--leader-elect-lease-duration 15s] [--leader-elect-renew-deadline 10s]
                                [--leader-elect-retry-period 2s] [--node-monitor-grace-period 40s]
                                [--node-monitor-period 5s] [--allocate-node-cidrs=true|false]
                                [--cluster-cidr CIDR] [--node-cidr-mask-size 24]
`;

/** "15s", "1500ms", "1m" as milliseconds. */
function durationMs(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (m === null)
    throw new BerthError(
      ErrorCode.Config,
      `--${flag} must be a duration such as 15s, not ${JSON.stringify(text)}\n${USAGE}`,
    );
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000;
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        kubeconfig: { type: "string" },
        "leader-elect": { type: "string" },
        identity: { type: "string" },
        "leader-elect-lease-duration": { type: "string" },
        "leader-elect-renew-deadline": { type: "string" },
        "leader-elect-retry-period": { type: "string" },
        "node-monitor-grace-period": { type: "string" },
        "node-monitor-period": { type: "string" },
        "allocate-node-cidrs": { type: "string" },
        "cluster-cidr": { type: "string" },
        "node-cidr-mask-size": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new BerthError(ErrorCode.Config, `${errorMessage(err)}\n${USAGE}`);
  }
}

export const controllerManager: Command = {
  name: "controller-manager",
  summary:
    "run the Deployment, ReplicaSet, garbage collector, namespace, node lifecycle and node IPAM controllers",
  async run(argv) {
    const flags = parse(argv);
    if (flags.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (flags.kubeconfig === undefined)
      throw new BerthError(ErrorCode.Config, `--kubeconfig is required\n${USAGE}`);
    const elect = flags["leader-elect"] ?? "true";
    if (elect !== "true" && elect !== "false") {
      throw new BerthError(
        ErrorCode.Config,
        `--leader-elect must be true or false, not ${JSON.stringify(elect)}\n${USAGE}`,
      );
    }
    const ipam = nodeIpam(flags);
    const log = createLogger({ name: "controller-manager" });
    const client = await ApiClient.fromKubeconfig(flags.kubeconfig, {
      userAgent: "berth-controller-manager",
    });
    const manager = new ControllerManager({
      client,
      log,
      leaderElect: elect === "true",
      ...(flags.identity !== undefined ? { identity: flags.identity } : {}),
      ...ipam,
      ...defined(
        "leaseDurationMs",
        durationMs("leader-elect-lease-duration", flags["leader-elect-lease-duration"]),
      ),
      ...defined(
        "renewDeadlineMs",
        durationMs("leader-elect-renew-deadline", flags["leader-elect-renew-deadline"]),
      ),
      ...defined(
        "nodeMonitorGracePeriodMs",
        durationMs("node-monitor-grace-period", flags["node-monitor-grace-period"]),
      ),
      ...defined("nodeMonitorPeriodMs", durationMs("node-monitor-period", flags["node-monitor-period"])),
      ...defined(
        "retryPeriodMs",
        durationMs("leader-elect-retry-period", flags["leader-elect-retry-period"]),
      ),
    });
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    try {
      manager.start(controller.signal);
      const end = await manager.ended;
      await manager.stop();
      await client.close();
      if (end === "lost") {
        log.error("leaderelection lost");
        return 1;
      }
      return 0;
    } finally {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
  },
};

/** --allocate-node-cidrs, --cluster-cidr and --node-cidr-mask-size, checked before anything starts. */
function nodeIpam(flags: ReturnType<typeof parse>): { clusterCidr?: string; nodeCidrMaskSize?: number } {
  const allocate = flags["allocate-node-cidrs"] ?? "false";
  if (allocate !== "true" && allocate !== "false") {
    throw new BerthError(
      ErrorCode.Config,
      `--allocate-node-cidrs must be true or false, not ${JSON.stringify(allocate)}\n${USAGE}`,
    );
  }
  if (allocate === "false") return {};
  const clusterCidr = flags["cluster-cidr"];
  if (clusterCidr === undefined || clusterCidr === "") {
    throw new BerthError(ErrorCode.Config, `--allocate-node-cidrs=true needs --cluster-cidr\n${USAGE}`);
  }
  const maskText = flags["node-cidr-mask-size"];
  const mask = maskText === undefined ? NODE_CIDR_MASK_SIZE_IPV4 : Number(maskText);
  if (!Number.isInteger(mask)) {
    throw new BerthError(
      ErrorCode.Config,
      `--node-cidr-mask-size must be a number of bits such as 24, not ${JSON.stringify(maskText)}\n${USAGE}`,
    );
  }
  // Throws a Config error naming the flag when the CIDR or the mask does not fit.
  new CidrSet(parseCidr4(clusterCidr, "--cluster-cidr"), mask);
  return { clusterCidr, nodeCidrMaskSize: mask };
}

function defined<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
