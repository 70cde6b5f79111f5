/** `berth controller-manager`: flags -> ControllerManager; SIGTERM and SIGINT stop it cleanly. */
import { parseArgs } from "node:util";
import { ApiClient } from "../api/index.js";
import { BerthError, ErrorCode, createLogger, errorMessage } from "../common/index.js";
import { ControllerManager } from "../controllers/index.js";
import type { Command } from "./commands.js";

const USAGE = `usage: berth controller-manager --kubeconfig FILE [--leader-elect=true|false] [--identity NAME]
`;

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        kubeconfig: { type: "string" },
        "leader-elect": { type: "string" },
        identity: { type: "string" },
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
  summary: "run the Deployment, ReplicaSet, garbage collector, namespace and node lifecycle controllers",
  async run(argv) {
    const flags = parse(argv);
    if (flags.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (flags.kubeconfig === undefined) throw new BerthError(ErrorCode.Config, `--kubeconfig is required\n${USAGE}`);
    const elect = flags["leader-elect"] ?? "true";
    if (elect !== "true" && elect !== "false") {
      throw new BerthError(ErrorCode.Config, `--leader-elect must be true or false, not ${JSON.stringify(elect)}\n${USAGE}`);
    }
    const log = createLogger({ name: "controller-manager" });
    const client = await ApiClient.fromKubeconfig(flags.kubeconfig, { userAgent: "berth-controller-manager" });
    const manager = new ControllerManager({
      client,
      log,
      leaderElect: elect === "true",
      ...(flags.identity !== undefined ? { identity: flags.identity } : {}),
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
