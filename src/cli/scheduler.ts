/**
 * `berth scheduler`: flags -> SchedulerConfig -> Scheduler; SIGTERM and SIGINT stop it (releasing
 * the lease). Losing the lease ends the process with status 1, as kube-scheduler does.
 */
import { parseArgs } from "node:util";
import { ApiClient } from "../api/index.js";
import { BerthError, ErrorCode, createLogger, errorMessage } from "../common/index.js";
import { resolveSchedulerConfig } from "../config/index.js";
import { Scheduler } from "../scheduler/index.js";
import type { Command } from "./commands.js";

const USAGE = `usage: berth scheduler --kubeconfig FILE [--leader-elect=true|false]
                       [--leader-elect-resource-namespace NS] [--leader-elect-resource-name NAME]
                       [--leader-elect-lease-duration 15s] [--leader-elect-renew-deadline 10s]
                       [--leader-elect-retry-period 2s]
`;

export const scheduler: Command = {
  name: "scheduler",
  summary: "run the scheduler (binds pending pods to nodes)",
  async run(argv) {
    let values;
    try {
      values = parseArgs({
        args: [...argv],
        options: {
          kubeconfig: { type: "string" },
          "leader-elect": { type: "string" },
          "leader-elect-resource-namespace": { type: "string" },
          "leader-elect-resource-name": { type: "string" },
          "leader-elect-lease-duration": { type: "string" },
          "leader-elect-renew-deadline": { type: "string" },
          "leader-elect-retry-period": { type: "string" },
          help: { type: "boolean", short: "h" },
        },
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (err) {
      throw new BerthError(ErrorCode.Config, `${errorMessage(err)}\n${USAGE}`);
    }
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const config = resolveSchedulerConfig(
      Object.fromEntries(
        Object.entries({
          kubeconfig: values.kubeconfig,
          leaderElect: values["leader-elect"],
          resourceNamespace: values["leader-elect-resource-namespace"],
          resourceName: values["leader-elect-resource-name"],
          leaseDuration: values["leader-elect-lease-duration"],
          renewDeadline: values["leader-elect-renew-deadline"],
          retryPeriod: values["leader-elect-retry-period"],
        }).filter(([, v]) => v !== undefined),
      ),
      process.env,
    );
    const logger = createLogger({ name: "scheduler", level: config.logLevel });
    const client = await ApiClient.fromKubeconfig(config.kubeconfig, { userAgent: "berth-scheduler" });
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, "stopping scheduler");
      controller.abort();
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    const s = new Scheduler({
      client,
      log: logger,
      ...(config.leaderElection === undefined ? {} : { leaderElection: config.leaderElection }),
    });
    try {
      s.start(controller.signal);
      const end = await s.done;
      if (end === "lost") {
        logger.error("leaderelection lost");
        return 1;
      }
      return 0;
    } finally {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      await s.stop();
      await client.close();
    }
  },
};
