/**
 * The agent's serving certificate (kubelet: pkg/kubelet/certificate, the server certificate
 * manager with serverTLSBootstrap). With bootstrap on, the agent makes a key and a
 * kubernetes.io/kubelet-serving CertificateSigningRequest for its node name and addresses, waits
 * for the control plane to approve and sign it with the cluster CA, keeps the pair under
 * rootDir/pki, and requests a new one at a jittered 70-90% of the validity. With bootstrap off it
 * serves a self-signed certificate, as the kubelet does without a configured one.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ApiClient } from "../../api/index.js";
import { errorMessage, type Clock, type Logger } from "../../common/index.js";
import {
  createCa,
  createCertificateRequest,
  issueCertificate,
  type CertificateKeyPair,
} from "../../pki/index.js";
import { requestCertificate } from "../certificates/index.js";

/** certificates/v1: the kubelet serving signer. */
export const SIGNER_KUBELET_SERVING = "kubernetes.io/kubelet-serving";
/** kubelet: serving requests of an ECDSA key ask for these usages. */
export const SERVING_USAGES = ["digital signature", "server auth"] as const;
/** kubelet certificate manager: rotate somewhere between 70% and 90% of the validity. */
export const ROTATE_AT_MIN = 0.7;
export const ROTATE_AT_MAX = 0.9;
/** After a failed renewal, try again this much later. */
export const RENEW_RETRY_MS = 30_000;
/** kubelet: pki/kubelet-server-current.pem holds the certificate and key together. */
export const CURRENT_PEM = "kubelet-server-current.pem";
/** Validity of the self-signed fallback (kubelet: one year). */
const SELF_SIGNED_DAYS = 365;

export interface ServingNames {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

export interface ServingCertificateOptions {
  readonly client: Pick<ApiClient, "create" | "get">;
  readonly nodeName: string;
  readonly names: ServingNames;
  /** rootDir/pki. */
  readonly dir: string;
  readonly bootstrap: boolean;
  /** The CA that must have signed a stored certificate for it to be reused. */
  readonly clusterCaPem: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Asked for as spec.expirationSeconds; absent lets the signer choose. */
  readonly expirationSeconds?: number;
  /** Called with each new pair (the server swaps its TLS context). */
  readonly onChange: (pair: CertificateKeyPair) => void;
  /** 0..1, for the rotation deadline's jitter; Math.random by default. */
  readonly random?: () => number;
}

export class ServingCertificate {
  readonly #o: ServingCertificateOptions;
  #current: CertificateKeyPair | undefined;

  constructor(options: ServingCertificateOptions) {
    this.#o = options;
  }

  get current(): CertificateKeyPair | undefined {
    return this.#current;
  }

  /** Gets a usable pair (from disk or the cluster), then keeps renewing it until the signal aborts. */
  async start(signal: AbortSignal): Promise<CertificateKeyPair> {
    const o = this.#o;
    if (!o.bootstrap) {
      const ca = createCa({
        commonName: `${o.nodeName}-ca@${Math.floor(o.clock.now() / 1000)}`,
        validDays: SELF_SIGNED_DAYS,
      });
      const pair = issueCertificate(ca, {
        commonName: `${o.nodeName}@${Math.floor(o.clock.now() / 1000)}`,
        dnsNames: o.names.dnsNames,
        ipAddresses: o.names.ipAddresses,
        usage: "server",
        validDays: SELF_SIGNED_DAYS,
      });
      o.logger.warn("serving a self-signed certificate: the API server cannot verify this agent");
      return this.#use(pair);
    }
    const stored = await this.#stored();
    const pair = stored ?? (await this.#request(signal));
    this.#use(pair);
    void this.#renewLoop(signal);
    return pair;
  }

  /** The rotation deadline: a jittered 70-90% of the certificate's validity after notBefore. */
  deadline(certPem: string): number {
    const cert = new X509Certificate(certPem);
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    const share = ROTATE_AT_MIN + (ROTATE_AT_MAX - ROTATE_AT_MIN) * (this.#o.random ?? Math.random)();
    return from + (to - from) * share;
  }

  async #renewLoop(signal: AbortSignal): Promise<void> {
    const o = this.#o;
    while (!signal.aborted && this.#current !== undefined) {
      const wait = Math.max(0, this.deadline(this.#current.certPem) - o.clock.now());
      try {
        await o.clock.sleep(wait, signal);
        const next = await this.#request(signal);
        this.#use(next);
        o.logger.info({ notAfter: new X509Certificate(next.certPem).validTo }, "serving certificate rotated");
      } catch (err) {
        if (signal.aborted) return;
        o.logger.warn({ err: errorMessage(err) }, "serving certificate renewal failed; retrying");
        await o.clock.sleep(RENEW_RETRY_MS, signal).catch(() => undefined);
      }
    }
  }

  #use(pair: CertificateKeyPair): CertificateKeyPair {
    this.#current = pair;
    this.#o.onChange(pair);
    return pair;
  }

  /** A stored pair that the cluster CA signed, that covers the names, and is not due for rotation. */
  async #stored(): Promise<CertificateKeyPair | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.#o.dir, CURRENT_PEM), "utf8");
    } catch {
      return undefined;
    }
    try {
      const certPem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
      const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\n?/.exec(text)?.[0];
      if (certPem === undefined || keyPem === undefined) return undefined;
      const cert = new X509Certificate(certPem);
      if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
      if (!cert.verify(new X509Certificate(this.#o.clusterCaPem).publicKey)) return undefined;
      if (Date.parse(cert.validTo) <= this.#o.clock.now()) return undefined;
      const { dnsNames, ipAddresses } = this.#o.names;
      if (!dnsNames.every((d) => cert.checkHost(d) !== undefined)) return undefined;
      if (!ipAddresses.every((ip) => cert.checkIP(ip) !== undefined)) return undefined;
      return { certPem, keyPem };
    } catch {
      return undefined;
    }
  }

  async #request(signal: AbortSignal): Promise<CertificateKeyPair> {
    const o = this.#o;
    const { csrPem, keyPem } = createCertificateRequest({
      commonName: `system:node:${o.nodeName}`,
      organizations: ["system:nodes"],
      dnsNames: o.names.dnsNames,
      ipAddresses: o.names.ipAddresses,
    });
    const certPem = await requestCertificate(
      o.client,
      {
        csrPem,
        signerName: SIGNER_KUBELET_SERVING,
        usages: SERVING_USAGES,
        ...(o.expirationSeconds !== undefined ? { expirationSeconds: o.expirationSeconds } : {}),
      },
      { clock: o.clock, logger: o.logger, signal },
    );
    const pair = { certPem, keyPem };
    await this.#save(pair);
    return pair;
  }

  async #save(pair: CertificateKeyPair): Promise<void> {
    await mkdir(this.#o.dir, { recursive: true, mode: 0o700 });
    const path = join(this.#o.dir, CURRENT_PEM);
    await writeFile(`${path}.tmp`, `${pair.certPem}${pair.keyPem}`, { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }
}
