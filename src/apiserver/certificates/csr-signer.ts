/**
 * The control plane's certificate controller for kubernetes.io/kubelet-serving (kube-controller-
 * manager's csrapproving and csrsigning, in one loop): it watches CSRs, approves or denies the
 * kubelet-serving ones by kubelet-serving-policy.ts, and signs approved ones with the cluster CA.
 * Requests for other signers are left alone.
 */
import { errorMessage, isConflict, isNotFound } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import {
  issueForKey,
  readCertificateRequest,
  type CertificateAuthority,
  type RequestedCertificate,
} from "../../pki/index.js";
import {
  csrCondition,
  getPath,
  isJsonObject,
  SIGNER_KUBELET_SERVING,
  stringAt,
  type KubeObject,
  type ResourceStore,
} from "../registry/index.js";
import { decideKubeletServing } from "./kubelet-serving-policy.js";

/** kube-controller-manager: --cluster-signing-duration default (one year), in seconds. */
export const CLUSTER_SIGNING_DURATION_SECONDS = 365 * 24 * 3600;
/** How long to wait before looking at a pending request again (its node may appear later). */
export const CSR_RETRY_MS = 2_000;

export interface CsrSignerOptions {
  readonly csrs: ResourceStore;
  readonly nodes: ResourceStore;
  readonly ca: CertificateAuthority;
  readonly now: () => Date;
  readonly log: Logger;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

export class CsrSigner {
  readonly #o: CsrSignerOptions;

  constructor(options: CsrSignerOptions) {
    this.#o = options;
  }

  /** Watches until the signal aborts; a failing watch is restarted. */
  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const ev of this.#o.csrs.watch(undefined, 0, signal)) {
          if (ev.type === "ADDED" || ev.type === "MODIFIED") await this.handle(ev.object, signal);
        }
      } catch (err) {
        if (signal.aborted) return;
        this.#o.log.warn({ err: errorMessage(err) }, "CSR watch failed; restarting");
        await new Promise((r) => setTimeout(r, CSR_RETRY_MS));
      }
    }
  }

  /** Approves or denies, then signs; idempotent. */
  async handle(csr: KubeObject, signal?: AbortSignal): Promise<void> {
    if (stringAt(csr, "spec", "signerName") !== SIGNER_KUBELET_SERVING) return;
    if (stringAt(csr, "status", "certificate") !== "") return;
    if (csrCondition(csr, "Denied") !== undefined || csrCondition(csr, "Failed") !== undefined) return;
    const name = csr.metadata.name ?? "";
    let requested: RequestedCertificate;
    try {
      requested = readCertificateRequest(
        Buffer.from(stringAt(csr, "spec", "request"), "base64").toString("utf8"),
      );
    } catch (err) {
      await this.#setStatus(name, (s) =>
        addCondition(s, "Failed", "SignerValidationFailure", errorMessage(err), this.#o.now()),
      );
      return;
    }
    if (csrCondition(csr, "Approved") === undefined) {
      const username = stringAt(csr, "spec", "username");
      const nodeName = username.startsWith("system:node:") ? username.slice("system:node:".length) : "";
      const node =
        nodeName === "" ? undefined : await this.#o.nodes.get(undefined, nodeName).catch(() => undefined);
      const decision = decideKubeletServing(csr, requested, node);
      if (!decision.approve && node === undefined && nodeName !== "") {
        // The node may register a moment later: look again before denying.
        setTimeout(() => {
          if (signal?.aborted) return;
          void this.#o.csrs.get(undefined, name).then(
            (c) => this.handle(c, signal),
            () => undefined,
          );
        }, CSR_RETRY_MS).unref();
        return;
      }
      if (!decision.approve) {
        this.#o.log.info({ csr: name, reason: decision.message }, "kubelet serving CSR denied");
        await this.#setStatus(name, (s) =>
          addCondition(s, "Denied", decision.reason, decision.message, this.#o.now()),
        );
        return;
      }
      await this.#setStatus(name, (s) =>
        addCondition(s, "Approved", "AutoApproved", decision.message, this.#o.now()),
      );
    }
    const seconds = getPath(csr, "spec", "expirationSeconds");
    const validSeconds = Math.min(
      typeof seconds === "number" ? seconds : CLUSTER_SIGNING_DURATION_SECONDS,
      CLUSTER_SIGNING_DURATION_SECONDS,
    );
    const certPem = issueForKey(
      this.#o.ca,
      {
        commonName: requested.subject.commonName,
        organizations: requested.subject.organizations,
        dnsNames: requested.dnsNames,
        ipAddresses: requested.ipAddresses,
        usage: "server",
        validDays: Math.max(1, Math.ceil(validSeconds / 86_400)),
        validSeconds,
        now: this.#o.now(),
      },
      requested.spki,
    );
    let issued = false;
    await this.#setStatus(name, (s) => {
      // A later event may carry a snapshot from before the first signing: sign once.
      if (typeof s["certificate"] === "string" && s["certificate"] !== "") return;
      s["certificate"] = Buffer.from(certPem).toString("base64");
      issued = true;
    });
    if (issued)
      this.#o.log.info(
        { csr: name, user: stringAt(csr, "spec", "username") },
        "kubelet serving certificate issued",
      );
  }

  async #setStatus(name: string, change: (status: Record<string, unknown>) => void): Promise<void> {
    try {
      await this.#o.csrs.guaranteedUpdate(
        undefined,
        name,
        (current) => {
          const obj = current as KubeObject;
          const status = isJsonObject(obj["status"]) ? obj["status"] : (obj["status"] = {});
          change(status);
          return obj;
        },
        { subresource: "status" },
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

function addCondition(
  status: Record<string, unknown>,
  type: string,
  reason: string,
  message: string,
  now: Date,
): void {
  const conditions = Array.isArray(status["conditions"]) ? status["conditions"] : [];
  if (conditions.some((c) => isJsonObject(c) && c["type"] === type)) return;
  const at = rfc3339(now);
  conditions.push({ type, status: "True", reason, message, lastUpdateTime: at, lastTransitionTime: at });
  status["conditions"] = conditions;
}
