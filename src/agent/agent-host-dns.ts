/**
 * The host resolver pods with dnsPolicy Default (or ClusterFirst without a cluster DNS) inherit:
 * read from KubeletConfiguration.resolvConf once at start-up (kubelet: dns.Configurer reads it
 * the same way: nameserver, search and domain, options lines; later lines of a kind win for search).
 */
import { readFile } from "node:fs/promises";
import { BerthError, ErrorCode, errorMessage } from "../common/index.js";

/** The resolver facts the pod conversions take (HostDns of pods/container). */
export interface HostResolver {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

const NONE: HostResolver = Object.freeze({ servers: [], searches: [], options: [] });

/** Parses resolv.conf text; comments (# or ;) and unknown lines are skipped. */
export function parseResolvConf(text: string): HostResolver {
  const servers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (line === "") continue;
    const [keyword, ...fields] = line.split(/\s+/);
    if (keyword === "nameserver" && fields[0] !== undefined) servers.push(fields[0]);
    // The last search or domain line wins (resolv.conf(5)); "." means no search path.
    else if (keyword === "search" || keyword === "domain") searches = fields.filter((f) => f !== ".");
    else if (keyword === "options") options.push(...fields);
  }
  return { servers, searches, options };
}

/** Reads the resolver file; "" means none (kubelet: resolvConf ""). A missing file is a Config error. */
export async function readHostResolver(path: string): Promise<HostResolver> {
  if (path === "") return NONE;
  try {
    return parseResolvConf(await readFile(path, "utf8"));
  } catch (err) {
    throw new BerthError(
      ErrorCode.Config,
      `resolvConf: cannot read ${JSON.stringify(path)}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
}
