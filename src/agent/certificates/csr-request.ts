/**
 * One certificate through the API (kubelet: the certificate manager's requestCertificate and
 * csr.WaitForCertificate): create a CertificateSigningRequest, poll it until it carries the
 * certificate, and fail with its condition's message when it is denied or fails.
 */
import type { ApiClient } from "../../api/index.js";
import { BerthError, ErrorCode, type Clock, type Logger } from "../../common/index.js";

/** How often a pending request is looked at, and how long the agent waits for it at most. */
export const CSR_POLL_MS = 250;
export const CSR_WAIT_MS = 5 * 60_000;
export const CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

export interface CsrRequest {
  readonly csrPem: string;
  readonly signerName: string;
  readonly usages: readonly string[];
  /** Asked for as spec.expirationSeconds; absent lets the signer choose. */
  readonly expirationSeconds?: number;
}

interface Csr {
  metadata: { name?: string };
  status?: { certificate?: string; conditions?: { type?: string; reason?: string; message?: string }[] };
}

/** Sends the request and resolves with the issued certificate (PEM). */
export async function requestCertificate(
  client: Pick<ApiClient, "create" | "get">,
  request: CsrRequest,
  deps: { readonly clock: Clock; readonly logger: Logger; readonly signal: AbortSignal },
): Promise<string> {
  const { clock, logger, signal } = deps;
  const created = await client.create<Csr>(CSR_PATH, {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { generateName: "csr-" },
    spec: {
      request: Buffer.from(request.csrPem).toString("base64"),
      signerName: request.signerName,
      usages: [...request.usages],
      ...(request.expirationSeconds !== undefined ? { expirationSeconds: request.expirationSeconds } : {}),
    },
  } as Csr);
  const name = created.metadata.name ?? "";
  logger.info({ csr: name, signer: request.signerName }, "certificate requested");
  const until = clock.now() + CSR_WAIT_MS;
  for (;;) {
    const csr = await client.get<Csr>(`${CSR_PATH}/${name}`, { signal });
    const refused = csr.status?.conditions?.find((c) => c.type === "Denied" || c.type === "Failed");
    if (refused !== undefined) {
      throw new BerthError(
        ErrorCode.Forbidden,
        `certificate signing request ${name} was ${refused.type === "Denied" ? "denied" : "failed"}: ${refused.message ?? refused.reason ?? ""}`,
      );
    }
    const cert = csr.status?.certificate;
    if (cert !== undefined && cert !== "") return Buffer.from(cert, "base64").toString("utf8");
    if (clock.now() >= until) {
      throw new BerthError(ErrorCode.Timeout, `certificate signing request ${name} was not signed in time`);
    }
    await clock.sleep(CSR_POLL_MS, signal);
  }
}
