import type { IPod, IPodSpec } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { admitAppArmor, appArmorProfile, requiresAppArmor } from "./apparmor.js";

function podWith(
  spec: Partial<IPodSpec>,
  annotations: Record<string, string> = {},
  phase: "Pending" | "Running" = "Pending",
): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u", annotations },
    spec: { containers: [{ name: "app", image: "x" }], ...spec },
    status: { phase },
  };
}

const REFUSED = {
  admit: false,
  reason: "AppArmor",
  message: "Cannot enforce AppArmor: AppArmor is not enabled on the host",
};

describe("AppArmor", () => {
  it("takes the container's field, then its annotation, then the pod's field", () => {
    const pod = podWith(
      {
        securityContext: { appArmorProfile: { type: "RuntimeDefault" } },
        containers: [
          { name: "own", image: "x", securityContext: { appArmorProfile: { type: "Unconfined" } } },
          { name: "annotated", image: "x" },
          { name: "plain", image: "x" },
        ],
      },
      { "container.apparmor.security.beta.kubernetes.io/annotated": "localhost/k8s-deny-write" },
    );
    const [own, annotated, plain] = pod.spec?.containers ?? [];
    expect(appArmorProfile(pod, own!)).toEqual({ type: "Unconfined" });
    expect(appArmorProfile(pod, annotated!)).toEqual({ type: "Localhost", localhostRef: "k8s-deny-write" });
    expect(appArmorProfile(pod, plain!)).toEqual({ type: "RuntimeDefault" });
    expect(appArmorProfile(podWith({}), { name: "app", image: "x" })).toBeUndefined();
  });

  it("is required by any profile but Unconfined, in a field or an annotation", () => {
    expect(requiresAppArmor(podWith({}))).toBe(false);
    expect(requiresAppArmor(podWith({ securityContext: { appArmorProfile: { type: "Unconfined" } } }))).toBe(
      false,
    );
    expect(
      requiresAppArmor(podWith({}, { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" })),
    ).toBe(false);
    expect(
      requiresAppArmor(podWith({ securityContext: { appArmorProfile: { type: "RuntimeDefault" } } })),
    ).toBe(true);
    expect(
      requiresAppArmor(
        podWith({
          initContainers: [
            {
              name: "init",
              image: "x",
              securityContext: { appArmorProfile: { type: "Localhost", localhostProfile: "p" } },
            },
          ],
        }),
      ),
    ).toBe(true);
    expect(
      requiresAppArmor(
        podWith({}, { "container.apparmor.security.beta.kubernetes.io/app": "runtime/default" }),
      ),
    ).toBe(true);
  });

  it("refuses a pending pod that needs it on a host without it, with the kubelet's reason and message", () => {
    const asks = podWith({ securityContext: { appArmorProfile: { type: "RuntimeDefault" } } });
    expect(admitAppArmor(asks, false)).toEqual(REFUSED);
    expect(admitAppArmor(asks, true)).toEqual({ admit: true });
    expect(admitAppArmor(podWith({}), false)).toEqual({ admit: true });
    // kubelet: a pod already running is not checked again.
    expect(
      admitAppArmor(
        podWith({ securityContext: { appArmorProfile: { type: "RuntimeDefault" } } }, {}, "Running"),
        false,
      ),
    ).toEqual({
      admit: true,
    });
  });

  it("refuses an empty Localhost profile name where AppArmor is enabled", () => {
    const empty = podWith({
      containers: [
        {
          name: "app",
          image: "x",
          securityContext: { appArmorProfile: { type: "Localhost", localhostProfile: " " } },
        },
      ],
    });
    expect(admitAppArmor(empty, true)).toMatchObject({
      admit: false,
      reason: "AppArmor",
      message: expect.stringMatching(/^Cannot enforce AppArmor: invalid empty AppArmor profile name: /),
    });
  });
});
