/**
 * kubeconfig files: read one into the connection settings of its current (or a named) context, and
 * write one for a server, its CA and a user. Only what berth needs: token, token-file and client
 * certificate users; CA from data or a file; insecure-skip-tls-verify. Exec plugins and
 * auth-providers are refused by name rather than ignored.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { BerthError, ErrorCode, errorMessage } from "../common/errors.js";

/** Everything ApiClient needs to reach and authenticate to one API server. */
export interface ClusterConnection {
  /** The server URL, e.g. https://127.0.0.1:6443 (a path prefix is allowed). */
  readonly server: string;
  readonly caPem?: string;
  readonly insecureSkipTlsVerify?: boolean;
  /** Overrides the TLS server name (SNI and certificate check). */
  readonly tlsServerName?: string;
  readonly token?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  /** The context's namespace, if any. */
  readonly namespace?: string;
}

export interface ResolveKubeconfigOptions {
  /** Use this context instead of current-context. */
  readonly context?: string;
  /** Where relative file references point from; default the current directory. */
  readonly baseDir?: string;
  /** Names the source in error messages. */
  readonly source?: string;
}

type Dict = Record<string, unknown>;

const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);

class KubeconfigReader {
  constructor(
    readonly source: string,
    readonly baseDir: string,
  ) {}

  fail(message: string, cause?: unknown): never {
    throw new BerthError(
      ErrorCode.Config,
      `kubeconfig ${this.source}: ${message}`,
      cause === undefined ? {} : { cause },
    );
  }

  string(dict: Dict, key: string, where: string): string | undefined {
    const v = dict[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") this.fail(`${where}: ${key} must be a string`);
    return v;
  }

  /** Finds `name` in a list of { name, <field>: {...} } entries. */
  named(doc: Dict, list: string, field: string, name: string, what: string): Dict {
    const entries = doc[list] ?? [];
    if (!Array.isArray(entries)) this.fail(`${list} must be a list`);
    const entry: unknown = entries.find((e: unknown) => isDict(e) && e["name"] === name);
    if (!isDict(entry)) this.fail(`${what} "${name}" not found in ${list}`);
    const body = entry[field] ?? {};
    if (!isDict(body)) this.fail(`${what} "${name}": ${field} must be a mapping`);
    return body;
  }

  async file(path: string, where: string): Promise<string> {
    const full = isAbsolute(path) ? path : resolve(this.baseDir, path);
    try {
      return await readFile(full, "utf8");
    } catch (err) {
      return this.fail(`${where}: cannot read ${full}: ${errorMessage(err)}`, err);
    }
  }

  base64(value: string, where: string): string {
    const clean = value.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
      this.fail(`${where} is not valid base64`);
    }
    return Buffer.from(clean, "base64").toString("utf8");
  }

  /** Inline -data (base64) wins over a file path, as in client-go. */
  async pem(dict: Dict, key: string, where: string): Promise<string | undefined> {
    const data = this.string(dict, `${key}-data`, where);
    if (data !== undefined) return this.base64(data, `${where}: ${key}-data`);
    const path = this.string(dict, key, where);
    return path === undefined ? undefined : this.file(path, `${where}: ${key}`);
  }
}

/** Resolves kubeconfig YAML text into connection settings. Errors are BerthError(Config). */
export async function resolveKubeconfig(
  text: string,
  options: ResolveKubeconfigOptions = {},
): Promise<ClusterConnection> {
  const r: KubeconfigReader = new KubeconfigReader(
    options.source ?? "(inline)",
    options.baseDir ?? process.cwd(),
  );
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    r.fail(`not valid YAML: ${errorMessage(err)}`, err);
  }
  if (!isDict(doc)) r.fail("must be a YAML mapping");

  const contextName = options.context ?? r.string(doc, "current-context", "top level");
  if (contextName === undefined) r.fail("current-context is not set and no context was given");
  const context = r.named(doc, "contexts", "context", contextName, "context");
  const clusterName = r.string(context, "cluster", `context "${contextName}"`);
  if (clusterName === undefined) r.fail(`context "${contextName}" names no cluster`);
  const cluster = r.named(doc, "clusters", "cluster", clusterName, "cluster");
  const where = `cluster "${clusterName}"`;

  const server = r.string(cluster, "server", where);
  if (server === undefined) r.fail(`${where} has no server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch (err) {
    r.fail(`${where}: server ${JSON.stringify(server)} is not a URL`, err);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    r.fail(`${where}: server ${JSON.stringify(server)} must be an https or http URL`);
  }
  const insecure = cluster["insecure-skip-tls-verify"];
  if (insecure !== undefined && typeof insecure !== "boolean") {
    r.fail(`${where}: insecure-skip-tls-verify must be true or false`);
  }
  const caPem = await r.pem(cluster, "certificate-authority", where);
  if (insecure === true && caPem !== undefined) {
    r.fail(`${where}: certificate-authority and insecure-skip-tls-verify exclude each other`);
  }
  const tlsServerName = r.string(cluster, "tls-server-name", where);

  const userName = r.string(context, "user", `context "${contextName}"`);
  let token: string | undefined;
  let certPem: string | undefined;
  let keyPem: string | undefined;
  if (userName !== undefined) {
    const user = r.named(doc, "users", "user", userName, "user");
    const uw = `user "${userName}"`;
    if (user["exec"] !== undefined) r.fail(`${uw}: exec credential plugins are not supported`);
    if (user["auth-provider"] !== undefined) r.fail(`${uw}: auth-provider is not supported`);
    token = r.string(user, "token", uw);
    const tokenFile = r.string(user, "tokenFile", uw) ?? r.string(user, "token-file", uw);
    if (token === undefined && tokenFile !== undefined) {
      token = (await r.file(tokenFile, `${uw}: token-file`)).trim();
      if (token === "") r.fail(`${uw}: token-file ${tokenFile} is empty`);
    }
    certPem = await r.pem(user, "client-certificate", uw);
    keyPem = await r.pem(user, "client-key", uw);
    if ((certPem === undefined) !== (keyPem === undefined)) {
      r.fail(`${uw}: client-certificate and client-key must be given together`);
    }
    if (url.protocol === "http:" && (token !== undefined || certPem !== undefined)) {
      r.fail(`${uw}: credentials are only sent over https, but the server is ${server}`);
    }
  }
  const namespace = r.string(context, "namespace", `context "${contextName}"`);

  return {
    server,
    ...(caPem === undefined ? {} : { caPem }),
    ...(insecure === true ? { insecureSkipTlsVerify: true } : {}),
    ...(tlsServerName === undefined ? {} : { tlsServerName }),
    ...(token === undefined ? {} : { token }),
    ...(certPem === undefined ? {} : { certPem }),
    ...(keyPem === undefined ? {} : { keyPem }),
    ...(namespace === undefined ? {} : { namespace }),
  };
}

/** Reads a kubeconfig file; relative paths inside it are relative to the file. */
export async function loadKubeconfig(
  path: string,
  options: Omit<ResolveKubeconfigOptions, "baseDir" | "source"> = {},
): Promise<ClusterConnection> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new BerthError(ErrorCode.Config, `kubeconfig ${path}: cannot read: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return resolveKubeconfig(text, { ...options, baseDir: dirname(resolve(path)), source: path });
}

export interface BuildKubeconfigOptions {
  readonly server: string;
  readonly caPem: string;
  readonly user: { readonly token: string } | { readonly certPem: string; readonly keyPem: string };
  /** Names the cluster, user and context alike. */
  readonly name: string;
  readonly namespace?: string;
}

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** A self-contained kubeconfig (all PEM inline) as YAML, usable by kubectl and by loadKubeconfig. */
export function buildKubeconfig(options: BuildKubeconfigOptions): string {
  const { server, caPem, user, name } = options;
  if (!/^https?:\/\//.test(server)) {
    throw new BerthError(
      ErrorCode.Config,
      `kubeconfig server ${JSON.stringify(server)} must be an https or http URL`,
    );
  }
  if (name === "") throw new BerthError(ErrorCode.Config, "kubeconfig name must not be empty");
  const credentials =
    "token" in user
      ? { token: user.token }
      : { "client-certificate-data": b64(user.certPem), "client-key-data": b64(user.keyPem) };
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "certificate-authority-data": b64(caPem) } }],
    users: [{ name, user: credentials }],
    contexts: [
      {
        name,
        context: {
          cluster: name,
          user: name,
          ...(options.namespace ? { namespace: options.namespace } : {}),
        },
      },
    ],
    "current-context": name,
    preferences: {},
  });
}
