/** `berth apiserver`: flags -> ApiServer; SIGTERM and SIGINT stop it cleanly. */
import { parseArgs } from "node:util";
import { ApiServer, type StorageKind } from "../apiserver/index.js";
import { BerthError, ErrorCode, createLogger, errorMessage } from "../common/index.js";
import type { Command } from "./commands.js";
import { exitAfterStop } from "./exit-after-stop.js";

const USAGE = `usage: berth apiserver --data-dir DIR [--listen 127.0.0.1:6443] [--advertise-address IP]
                       [--storage sqlite|etcd] [--etcd-endpoints URL,...] [--insecure-listen HOST:PORT]
                       [--admission-control-config-file FILE]
`;

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        "data-dir": { type: "string" },
        listen: { type: "string" },
        "advertise-address": { type: "string" },
        storage: { type: "string" },
        "etcd-endpoints": { type: "string" },
        "insecure-listen": { type: "string" },
        "admission-control-config-file": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new BerthError(ErrorCode.Config, `${errorMessage(err)}\n${USAGE}`);
  }
}

export const apiserver: Command = {
  name: "apiserver",
  summary: "run the mini Kubernetes API server",
  async run(argv) {
    const flags = parse(argv);
    if (flags.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (flags["data-dir"] === undefined)
      throw new BerthError(ErrorCode.Config, `--data-dir is required\n${USAGE}`);
    const logger = createLogger({ name: "apiserver" });
    const server = new ApiServer({
      dataDir: flags["data-dir"],
      ...(flags.listen !== undefined ? { listen: flags.listen } : {}),
      ...(flags["advertise-address"] !== undefined ? { advertiseAddress: flags["advertise-address"] } : {}),
      ...(flags.storage !== undefined ? { storage: flags.storage as StorageKind } : {}),
      ...(flags["etcd-endpoints"] !== undefined
        ? { etcdEndpoints: flags["etcd-endpoints"].split(",").filter((e) => e !== "") }
        : {}),
      ...(flags["insecure-listen"] !== undefined ? { insecureListen: flags["insecure-listen"] } : {}),
      ...(flags["admission-control-config-file"] !== undefined
        ? { admissionControlConfigFile: flags["admission-control-config-file"] }
        : {}),
      logger,
    });
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    try {
      await server.start(controller.signal);
      await new Promise<void>((resolve) =>
        controller.signal.addEventListener("abort", () => resolve(), { once: true }),
      );
      await server.stop();
      exitAfterStop(logger);
      return 0;
    } finally {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
  },
};
