/**
 * The control plane's certificate controller for kubernetes.io/kubelet-serving and
 * kubernetes.io/kube-apiserver-client-kubelet (kube-controller-manager's csrapproving and
 * csrsigning, in one loop): it watches CSRs, approves or denies them by kubelet-serving-policy.ts
 * and kubelet-client-policy.ts, and signs approved ones with the cluster CA. It runs in the API
 * server because the cluster CA's key lives in the API server's data directory. Requests for other
 * signers are left alone.
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
  SIGNER_KUBELET_CLIENT,
  SIGNER_KUBELET_SERVING,
  stringAt,
  type KubeObject,
  type ResourceStore,
} from "../registry/index.js";
import { decideKubeletClient, kubeletClientShapeError } from "./kubelet-client-policy.js";
import { decideKubeletServing, type Decision } from "./kubelet-serving-policy.js";

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
    const signer = stringAt(csr, "spec", "signerName");
    if (signer !== SIGNER_KUBELET_SERVING && signer !== SIGNER_KUBELET_CLIENT) return;
    if (stringAt(csr, "status", "certificate") !== "") return;
    if (csrCondition(csr, "Denied") !== undefined || csrCondition(csr, "Failed") !== undefined) return;
    const name = csr.metadata.name ?? "";
    let requested: RequestedCertificate;
    try {
      requested = readCertificateRequest(
        Buffer.from(stringAt(csr, "spec", "request"), "base64").toString("utf8"),
      );
    } catch (err) {
      await this.#fail(name, errorMessage(err));
      return;
    }
    if (csrCondition(csr, "Approved") === undefined) {
      const decision =
        signer === SIGNER_KUBELET_SERVING
          ? await this.#decideServing(csr, requested, signal)
          : decideKubeletClient(csr, requested);
      // No decision yet: the node may still register, or an administrator decides.
      if (decision === undefined) return;
      if (!decision.approve) {
        this.#o.log.info({ csr: name, signer, reason: decision.message }, "CSR denied");
        await this.#setStatus(name, (s) =>
          addCondition(s, "Denied", decision.reason, decision.message, this.#o.now()),
        );
        return;
      }
      await this.#setStatus(name, (s) =>
        addCondition(s, "Approved", "AutoApproved", decision.message, this.#o.now()),
      );
    } else if (signer === SIGNER_KUBELET_CLIENT) {
      // Approved by an administrator: the signer still checks the shape (csrsigning's validation).
      const shape = kubeletClientShapeError(csr, requested);
      if (shape !== undefined) {
        await this.#fail(name, shape);
        return;
      }
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
        usage: signer === SIGNER_KUBELET_SERVING ? "server" : "client",
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
        signer === SIGNER_KUBELET_SERVING
          ? "kubelet serving certificate issued"
          : "kubelet client certificate issued",
      );
  }

  /** The serving decision, or undefined when the node does not exist yet (looked at again later). */
  async #decideServing(
    csr: KubeObject,
    requested: RequestedCertificate,
    signal: AbortSignal | undefined,
  ): Promise<Decision | undefined> {
    const name = csr.metadata.name ?? "";
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
      return undefined;
    }
    return decision;
  }

  async #fail(name: string, message: string): Promise<void> {
    await this.#setStatus(name, (s) =>
      addCondition(s, "Failed", "SignerValidationFailure", message, this.#o.now()),
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
