/**
 * `berth token`: bootstrap tokens as kubeadm's.
 *   create --kubeconfig FILE [--ttl 24h] [--token ID.SECRET] [--description TEXT]
 *       creates the token's kube-system Secret (a given token that is already there and valid is
 *       kept as it is) and prints the token.
 *   kubeconfig --server URL --token ID.SECRET [--discovery-token-ca-cert-hash sha256:HEX ...]
 *       discovers the cluster CA and prints a bootstrap kubeconfig for `berth agent
 *       --bootstrap-kubeconfig`.
 *   ca-cert-hash FILE   prints a CA certificate's pin for --discovery-token-ca-cert-hash.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ApiClient, buildKubeconfig } from "../api/index.js";
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  DEFAULT_TOKEN_TTL_MS,
  authenticateToken,
  caCertHash,
  discoverClusterCa,
  formatToken,
  generateToken,
  parseToken,
  secretName,
  tokenSecret,
  type BootstrapToken,
  type StoredSecret,
} from "../bootstrap/index.js";
import { BerthError, ErrorCode, errorMessage, isNotFound } from "../common/index.js";
import { parseGoDuration } from "../config/index.js";
import type { Command } from "./commands.js";

const USAGE = `usage: berth token create --kubeconfig FILE [--ttl 24h] [--token ID.SECRET] [--description TEXT]
       berth token kubeconfig --server URL --token ID.SECRET [--discovery-token-ca-cert-hash sha256:HEX]...
       berth token ca-cert-hash CA_FILE
`;

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        kubeconfig: { type: "string" },
        ttl: { type: "string" },
        token: { type: "string" },
        description: { type: "string" },
        server: { type: "string" },
        "discovery-token-ca-cert-hash": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new BerthError(ErrorCode.Config, `${errorMessage(err)}\n${USAGE}`);
  }
}

function tokenFlag(text: string | undefined): BootstrapToken | undefined {
  if (text === undefined) return undefined;
  const token = parseToken(text);
  if (token === undefined) {
    throw new BerthError(ErrorCode.Config, `--token: must have the form [a-z0-9]{6}.[a-z0-9]{16}\n${USAGE}`);
  }
  return token;
}

async function create(values: ReturnType<typeof parse>["values"]): Promise<string> {
  if (values.kubeconfig === undefined)
    throw new BerthError(ErrorCode.Config, `--kubeconfig is required\n${USAGE}`);
  let ttlMs = DEFAULT_TOKEN_TTL_MS;
  if (values.ttl !== undefined) {
    try {
      ttlMs = parseGoDuration(values.ttl);
    } catch (err) {
      throw new BerthError(ErrorCode.Config, `--ttl: ${errorMessage(err)}`);
    }
  }
  const token = tokenFlag(values.token) ?? generateToken();
  const client = await ApiClient.fromKubeconfig(values.kubeconfig, { userAgent: "berth-token" });
  const path = `/api/v1/namespaces/${BOOTSTRAP_TOKEN_NAMESPACE}/secrets`;
  try {
    const body = tokenSecret(token, {
      ...(ttlMs > 0 ? { expiresAt: Date.now() + ttlMs } : {}),
      ...(values.description !== undefined ? { description: values.description } : {}),
    });
    let existing: StoredSecret | undefined;
    try {
      existing = await client.get<StoredSecret>(`${path}/${secretName(token.id)}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (existing === undefined) {
      await client.create(path, body);
      process.stderr.write(`bootstrap token ${token.id} created\n`);
    } else if ("user" in authenticateToken(token, existing, Date.now())) {
      process.stderr.write(`bootstrap token ${token.id} exists and is valid: unchanged\n`);
    } else {
      await client.update(`${path}/${secretName(token.id)}`, body);
      process.stderr.write(`bootstrap token ${token.id} replaced (it had expired or differed)\n`);
    }
  } finally {
    await client.close();
  }
  return formatToken(token);
}

async function bootstrapKubeconfig(values: ReturnType<typeof parse>["values"]): Promise<string> {
  const token = tokenFlag(values.token);
  if (values.server === undefined || token === undefined) {
    throw new BerthError(ErrorCode.Config, `--server and --token are required\n${USAGE}`);
  }
  const hashes = values["discovery-token-ca-cert-hash"] ?? [];
  const caPem = await discoverClusterCa(values.server, hashes);
  if (hashes.length === 0) {
    process.stderr.write(
      "berth: no --discovery-token-ca-cert-hash: trusting the CA the API server presented on first use\n",
    );
  }
  return buildKubeconfig({
    server: values.server,
    caPem,
    user: { token: formatToken(token) },
    name: "tls-bootstrap-token-user",
  });
}

export const token: Command = {
  name: "token",
  summary: "create bootstrap tokens and the kubeconfig a node joins with",
  async run(argv) {
    const { values, positionals } = parse(argv);
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const [sub, ...rest] = positionals;
    if (sub === "create" && rest.length === 0) process.stdout.write(`${await create(values)}\n`);
    else if (sub === "kubeconfig" && rest.length === 0)
      process.stdout.write(await bootstrapKubeconfig(values));
    else if (sub === "ca-cert-hash" && rest.length === 1) {
      const file = rest[0] ?? "";
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (err) {
        throw new BerthError(ErrorCode.Config, `cannot read ${file}: ${errorMessage(err)}`);
      }
      process.stdout.write(`${caCertHash(text)}\n`);
    } else throw new BerthError(ErrorCode.Config, USAGE);
    return 0;
  },
};
