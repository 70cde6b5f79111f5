/**
 * TLS bootstrap of the agent's client credentials (kubelet: --bootstrap-kubeconfig,
 * pkg/kubelet/certificate/bootstrap LoadClientCert). When the --kubeconfig file is missing, or its
 * client certificate has expired or was not issued by the cluster CA, the agent makes a key, sends
 * a kubernetes.io/kube-apiserver-client-kubelet request for CN system:node:<name>, O system:nodes
 * with the bootstrap kubeconfig's credentials (a bootstrap token), waits for the certificate,
 * keeps the pair in rootDir/pki and writes the kubeconfig it then runs with. A valid kubeconfig is
 * reused, so a restarted agent does not ask again.
 */
import { X509Certificate } from "node:crypto";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ApiClient, buildKubeconfig, loadKubeconfig, type ClusterConnection } from "../../api/index.js";
import { BerthError, ErrorCode, errorMessage, type Clock, type Logger } from "../../common/index.js";
import { createCertificateRequest } from "../../pki/index.js";
import { requestCertificate } from "./csr-request.js";

/** certificates/v1: KubeAPIServerClientKubeletSignerName. */
export const SIGNER_KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";
/** kubelet: the usages of a client request for an ECDSA key. */
export const CLIENT_USAGES = ["digital signature", "client auth"] as const;
/** kubelet: pki/kubelet-client-current.pem holds the certificate and key together. */
export const CLIENT_CURRENT_PEM = "kubelet-client-current.pem";

export interface ClientBootstrapOptions {
  /** Where the agent's kubeconfig is (or will be written). */
  readonly kubeconfig: string;
  readonly bootstrapKubeconfig: string;
  readonly nodeName: string;
  /** rootDir/pki. */
  readonly dir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly userAgent: string;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Why the kubeconfig cannot be used as it is, or undefined when it can. */
async function unusable(path: string, now: number): Promise<string | undefined> {
  if (!(await exists(path))) return "it does not exist";
  let conn: ClusterConnection;
  try {
    conn = await loadKubeconfig(path);
  } catch (err) {
    return errorMessage(err);
  }
  if (conn.certPem === undefined) return undefined;
  try {
    const cert = new X509Certificate(conn.certPem);
    if (Date.parse(cert.validTo) <= now) return "its client certificate has expired";
    if (conn.caPem !== undefined && !cert.verify(new X509Certificate(conn.caPem).publicKey)) {
      return "its client certificate was not issued by its cluster CA";
    }
  } catch (err) {
    return `its client certificate cannot be read: ${errorMessage(err)}`;
  }
  return undefined;
}

async function writePrivate(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(`${path}.tmp`, content, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/** Makes sure options.kubeconfig holds usable client credentials; "reused" or "issued". */
export async function bootstrapClientCredentials(o: ClientBootstrapOptions): Promise<"reused" | "issued"> {
  const why = await unusable(o.kubeconfig, o.clock.now());
  if (why === undefined) {
    o.logger.info({ kubeconfig: o.kubeconfig }, "client credentials present: no bootstrap needed");
    return "reused";
  }
  o.logger.info({ kubeconfig: o.kubeconfig, reason: why }, "bootstrapping client credentials");
  const bootstrap = await loadKubeconfig(o.bootstrapKubeconfig);
  if (bootstrap.caPem === undefined) {
    throw new BerthError(
      ErrorCode.Config,
      `bootstrap kubeconfig ${o.bootstrapKubeconfig} has no certificate-authority: the agent could not check the server`,
    );
  }
  const client = new ApiClient({ ...bootstrap, userAgent: o.userAgent });
  try {
    const { csrPem, keyPem } = createCertificateRequest({
      commonName: `system:node:${o.nodeName}`,
      organizations: ["system:nodes"],
    });
    const certPem = await requestCertificate(
      client,
      { csrPem, signerName: SIGNER_KUBELET_CLIENT, usages: CLIENT_USAGES },
      { clock: o.clock, logger: o.logger, signal: o.signal },
    );
    await writePrivate(join(o.dir, CLIENT_CURRENT_PEM), `${certPem}${keyPem}`);
    await writePrivate(
      o.kubeconfig,
      buildKubeconfig({
        server: bootstrap.server,
        caPem: bootstrap.caPem,
        user: { certPem, keyPem },
        name: "default-auth",
      }),
    );
    o.logger.info(
      { kubeconfig: o.kubeconfig, notAfter: new X509Certificate(certPem).validTo },
      "client certificate issued",
    );
    return "issued";
  } finally {
    await client.close();
  }
}
