/**
 * Token discovery of the cluster CA for a joining node (kubeadm join's --token with
 * --discovery-token-ca-cert-hash): connect to the API server, take the CA from the certificate
 * chain it presents, check that the CA signed the serving certificate for this address, and, when
 * hashes are given, that the CA's public key has one of them ("sha256:<hex>" of its
 * SubjectPublicKeyInfo, kubeadm's pin). Without hashes the first answer is trusted (kubeadm's
 * --discovery-token-unsafe-skip-ca-verification).
 */
import { X509Certificate, createHash } from "node:crypto";
import { isIP } from "node:net";
import { connect, type DetailedPeerCertificate } from "node:tls";
import { BerthError, ErrorCode, errorMessage } from "../common/index.js";

/** How long discovery waits for the API server's TLS handshake. */
export const DISCOVERY_TIMEOUT_MS = 10_000;
const HASH_FORM = /^sha256:[0-9a-f]{64}$/;

/** kubeadm's CA pin: "sha256:" and the hex SHA-256 of the CA's SubjectPublicKeyInfo (DER). */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}

/** Checks the form of each pin; a Config error names a bad one. */
export function checkCaCertHashes(hashes: readonly string[]): void {
  const bad = hashes.find((h) => !HASH_FORM.test(h));
  if (bad !== undefined) {
    throw new BerthError(
      ErrorCode.Config,
      `CA cert hash ${JSON.stringify(bad)} must be sha256:<64 hex digits>`,
    );
  }
}

function pem(raw: Buffer): string {
  const lines = raw.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

function peerChain(server: URL, timeoutMs: number): Promise<DetailedPeerCertificate> {
  const host = server.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: Number(server.port || 443),
      rejectUnauthorized: false,
      ...(isIP(host) === 0 ? { servername: host } : {}),
    });
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS answer in ${timeoutMs} ms`)), timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const chain = socket.getPeerCertificate(true);
      socket.end();
      resolve(chain);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** The cluster CA (PEM) of the API server at `server`, checked as the file's comment says. */
export async function discoverClusterCa(
  server: string,
  hashes: readonly string[],
  timeoutMs = DISCOVERY_TIMEOUT_MS,
): Promise<string> {
  checkCaCertHashes(hashes);
  const url = new URL(server);
  let leaf: DetailedPeerCertificate;
  try {
    leaf = await peerChain(url, timeoutMs);
  } catch (err) {
    throw new BerthError(ErrorCode.Timeout, `cannot reach the API server ${server}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  let root = leaf;
  while (root.issuerCertificate !== undefined && root.issuerCertificate !== root)
    root = root.issuerCertificate;
  if (root === leaf || root.raw === undefined) {
    throw new BerthError(
      ErrorCode.Invalid,
      `the API server ${server} presents no CA certificate in its chain: cannot discover the cluster CA`,
    );
  }
  const caPem = pem(root.raw);
  const ca = new X509Certificate(caPem);
  const serving = new X509Certificate(pem(leaf.raw));
  if (!serving.checkIssued(ca) || !serving.verify(ca.publicKey)) {
    throw new BerthError(
      ErrorCode.Invalid,
      `the API server ${server}'s certificate is not signed by the CA it presents`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const covered = isIP(host) === 0 ? serving.checkHost(host) : serving.checkIP(host);
  if (covered === undefined) {
    throw new BerthError(ErrorCode.Invalid, `the API server's certificate does not cover ${host}`);
  }
  if (hashes.length > 0 && !hashes.includes(caCertHash(caPem))) {
    throw new BerthError(
      ErrorCode.Forbidden,
      `the cluster CA of ${server} has hash ${caCertHash(caPem)}, not one of the pinned ${hashes.join(", ")}`,
    );
  }
  return caPem;
}
