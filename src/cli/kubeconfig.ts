/** `berth kubeconfig node NAME --data-dir DIR [--server URL]`: a node's kubeconfig on stdout. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DataFiles, nodeKubeconfig } from "../apiserver/index.js";
import { loadKubeconfig } from "../api/index.js";
import { BerthError, ErrorCode, errorMessage } from "../common/index.js";
import type { Command } from "./commands.js";

const USAGE = "usage: berth kubeconfig node NAME --data-dir DIR [--server URL]\n";
/** DNS-1123 subdomain, as node names are. */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

async function serverOf(dataDir: string): Promise<string> {
  const path = join(dataDir, DataFiles.adminKubeconfig);
  try {
    await readFile(path);
  } catch {
    throw new BerthError(ErrorCode.Config, `no ${path}: start berth apiserver first, or pass --server`);
  }
  return (await loadKubeconfig(path)).server;
}

export const kubeconfig: Command = {
  name: "kubeconfig",
  summary: "print a kubeconfig for a node (user system:node:NAME)",
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: {
          "data-dir": { type: "string" },
          server: { type: "string" },
          help: { type: "boolean", short: "h" },
        },
        strict: true,
        allowPositionals: true,
      });
    } catch (err) {
      throw new BerthError(ErrorCode.Config, `${errorMessage(err)}\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const [kind, name, ...extra] = positionals;
    if (kind !== "node" || name === undefined || extra.length > 0)
      throw new BerthError(ErrorCode.Config, USAGE);
    if (!NODE_NAME.test(name) || name.length > 253) {
      throw new BerthError(
        ErrorCode.Config,
        `${JSON.stringify(name)} is not a valid node name (DNS-1123 subdomain)`,
      );
    }
    const dataDir = values["data-dir"];
    if (dataDir === undefined) throw new BerthError(ErrorCode.Config, `--data-dir is required\n${USAGE}`);
    const server = values.server ?? (await serverOf(dataDir));
    process.stdout.write(await nodeKubeconfig(dataDir, name, server));
    return 0;
  },
};
