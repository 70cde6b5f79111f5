/**
 * The agent's security admission handlers. The kubelet registers the sysctl allowlist before the
 * resource predicates and the AppArmor handler after them; the user namespace refusal (berth's,
 * see user-namespaces.ts) comes last. The first refusal is reported.
 */
import type { IPod } from "kubernetes-models/v1";
import type { SecurityAdmitResult } from "./admit-result.js";
import { admitAppArmor } from "./apparmor.js";
import type { SysctlAllowlist } from "./sysctls.js";
import { admitUserNamespaces } from "./user-namespaces.js";

export interface SecurityAdmissionOptions {
  readonly sysctls: SysctlAllowlist;
  readonly appArmorEnabled: boolean;
  /** The handler a runtime class names; a lookup failure admits (the sandbox then fails with it). */
  readonly runtimeHandler: (runtimeClassName: string | undefined) => Promise<string>;
}

export class SecurityAdmission {
  readonly #o: SecurityAdmissionOptions;

  constructor(options: SecurityAdmissionOptions) {
    this.#o = options;
  }

  /** kubelet: sysctlsAllowlist (before the resource predicates). */
  sysctls(pod: IPod): SecurityAdmitResult {
    return this.#o.sysctls.admit(pod);
  }

  /** kubelet: appArmorAdmitHandler, then user namespaces (after the resource predicates). */
  async rest(pod: IPod): Promise<SecurityAdmitResult> {
    const appArmor = admitAppArmor(pod, this.#o.appArmorEnabled);
    if (!appArmor.admit) return appArmor;
    if (pod.spec?.hostUsers === false) {
      const handler = await this.#o.runtimeHandler(pod.spec.runtimeClassName).catch(() => undefined);
      if (handler !== undefined) return admitUserNamespaces(pod, handler);
    }
    return { admit: true };
  }
}
