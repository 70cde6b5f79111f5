/**
 * The API server's data directory: on first start a CA, a serving certificate, a client
 * certificate for talking to agents, and an admin token; later starts reuse them. The serving
 * certificate is reissued when the names it must cover change (a new advertise address).
 */
import { X509Certificate, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { buildKubeconfig } from "../api/index.js";
import { BerthError, ErrorCode, errorMessage } from "../common/errors.js";
import { createCa, issueCertificate, type CertificateKeyPair } from "../pki/index.js";

/** Validity of what berth issues for itself: the CA ten years, leaf certificates one year. */
export const CA_VALID_DAYS = 3650;
export const LEAF_VALID_DAYS = 365;
/** kube-apiserver's client identity towards kubelets (--kubelet-client-certificate). */
export const AGENT_CLIENT_USER = "kube-apiserver-kubelet-client";

export const DataFiles = {
  caCert: "ca.crt",
  caKey: "ca.key",
  servingCert: "apiserver.crt",
  servingKey: "apiserver.key",
  agentClientCert: "apiserver-kubelet-client.crt",
  agentClientKey: "apiserver-kubelet-client.key",
  adminToken: "admin.token",
  adminKubeconfig: "admin.kubeconfig",
} as const;

export interface Credentials {
  readonly ca: CertificateKeyPair;
  readonly serving: CertificateKeyPair;
  readonly agentClient: CertificateKeyPair;
  readonly adminToken: string;
}

async function writePrivate(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

async function readPair(dir: string, cert: string, key: string): Promise<CertificateKeyPair | undefined> {
  const certPath = join(dir, cert);
  const keyPath = join(dir, key);
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return { certPem: await readFile(certPath, "utf8"), keyPem: await readFile(keyPath, "utf8") };
}

async function writePair(dir: string, cert: string, key: string, pair: CertificateKeyPair): Promise<void> {
  await writePrivate(join(dir, key), pair.keyPem);
  await writeFile(join(dir, cert), pair.certPem, { mode: 0o644 });
}

/** The DNS names and IPs the serving certificate must cover. */
export function servingNames(advertiseAddress?: string): { dnsNames: string[]; ipAddresses: string[] } {
  const ipAddresses = ["127.0.0.1", "::1"];
  if (advertiseAddress && !ipAddresses.includes(advertiseAddress)) ipAddresses.push(advertiseAddress);
  const dnsNames = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"];
  const host = hostname();
  if (/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(host) && !dnsNames.includes(host)) dnsNames.push(host);
  return { dnsNames, ipAddresses };
}

function covers(certPem: string, names: { dnsNames: string[]; ipAddresses: string[] }): boolean {
  const cert = new X509Certificate(certPem);
  const expired = new Date(cert.validTo).getTime() < Date.now() + 24 * 3600 * 1000;
  if (expired) return false;
  return (
    names.dnsNames.every((d) => cert.checkHost(d) !== undefined) &&
    names.ipAddresses.every((ip) => cert.checkIP(ip) !== undefined)
  );
}

/** Creates what is missing in `dir` and returns everything. */
export async function loadOrCreateCredentials(dir: string, advertiseAddress?: string): Promise<Credentials> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    let ca = await readPair(dir, DataFiles.caCert, DataFiles.caKey);
    const fresh = ca === undefined;
    if (ca === undefined) {
      ca = createCa({ commonName: "berth-ca", validDays: CA_VALID_DAYS });
      await writePair(dir, DataFiles.caCert, DataFiles.caKey, ca);
    }
    const names = servingNames(advertiseAddress);
    let serving = fresh ? undefined : await readPair(dir, DataFiles.servingCert, DataFiles.servingKey);
    if (serving === undefined || !covers(serving.certPem, names)) {
      serving = issueCertificate(ca, {
        commonName: "kube-apiserver",
        ...names,
        usage: "server",
        validDays: LEAF_VALID_DAYS,
      });
      await writePair(dir, DataFiles.servingCert, DataFiles.servingKey, serving);
    }
    let agentClient = fresh
      ? undefined
      : await readPair(dir, DataFiles.agentClientCert, DataFiles.agentClientKey);
    if (agentClient === undefined) {
      agentClient = issueCertificate(ca, {
        commonName: AGENT_CLIENT_USER,
        organizations: ["system:masters"],
        usage: "client",
        validDays: LEAF_VALID_DAYS,
      });
      await writePair(dir, DataFiles.agentClientCert, DataFiles.agentClientKey, agentClient);
    }
    const tokenPath = join(dir, DataFiles.adminToken);
    let adminToken = existsSync(tokenPath) ? (await readFile(tokenPath, "utf8")).trim() : "";
    if (adminToken === "") {
      adminToken = randomBytes(32).toString("base64url");
      await writePrivate(tokenPath, `${adminToken}\n`);
    }
    return { ca, serving, agentClient, adminToken };
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new BerthError(ErrorCode.Config, `cannot prepare the data directory ${dir}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** Writes DIR/admin.kubeconfig: https, the CA, the admin token. */
export async function writeAdminKubeconfig(dir: string, server: string, creds: Credentials): Promise<string> {
  const path = join(dir, DataFiles.adminKubeconfig);
  await writePrivate(
    path,
    buildKubeconfig({
      server,
      caPem: creds.ca.certPem,
      user: { token: creds.adminToken },
      name: "berth-admin",
    }),
  );
  return path;
}

/** A kubeconfig for node NAME: a client certificate with CN system:node:NAME, O system:nodes. */
export async function nodeKubeconfig(dir: string, node: string, server: string): Promise<string> {
  const ca = await readPair(dir, DataFiles.caCert, DataFiles.caKey);
  if (ca === undefined) {
    throw new BerthError(
      ErrorCode.Config,
      `${dir} holds no CA: start berth apiserver with this --data-dir first`,
    );
  }
  const cert = issueCertificate(ca, {
    commonName: `system:node:${node}`,
    organizations: ["system:nodes"],
    usage: "client",
    validDays: LEAF_VALID_DAYS,
  });
  return buildKubeconfig({ server, caPem: ca.certPem, user: cert, name: `berth-node-${node}` });
}
