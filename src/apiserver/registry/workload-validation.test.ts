import { describe, expect, it } from "vitest";
import { deployments } from "./deployments.js";
import type { KubeObject } from "./object.js";
import { fieldErrorText } from "./validation.js";

function deployment(spec: Record<string, unknown>): KubeObject {
  return {
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      },
      ...spec,
    },
  };
}

function errors(obj: KubeObject, old?: KubeObject): string[] {
  deployments.defaults?.(obj);
  return (deployments.validate?.(obj, old) ?? []).map(fieldErrorText);
}

describe("apps/v1 Deployment defaults and validation", () => {
  it("fills SetDefaults_Deployment's values", () => {
    const d = deployment({});
    deployments.defaults?.(d);
    expect(d["spec"]).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
    });
  });

  it("words errors as kube-apiserver does", () => {
    expect(errors(deployment({ selector: { matchLabels: { app: "other" } } }))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(errors(deployment({ selector: {} }))).toEqual([
      "spec.selector: Invalid value: {}: empty selector is invalid for deployment",
    ]);
    expect(errors(deployment({ replicas: -1 }))).toEqual([
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    ]);
    expect(
      errors(
        deployment({
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } },
        }),
      ),
    ).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ]);
    expect(
      errors(deployment({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "150%" } } })),
    ).toEqual(['spec.strategy.rollingUpdate.maxSurge: Invalid value: "150%": must not be greater than 100%']);
    expect(errors(deployment({ strategy: { type: "Recreate", rollingUpdate: {} } }))).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    expect(errors(deployment({ minReadySeconds: 10, progressDeadlineSeconds: 5 }))).toEqual([
      "spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds",
    ]);
  });

  it("keeps the selector immutable", () => {
    const old = deployment({});
    const next = deployment({
      selector: { matchLabels: { app: "web", tier: "x" } },
      template: {
        metadata: { labels: { app: "web", tier: "x" } },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      },
    });
    expect(errors(next, old)).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable',
    ]);
  });
});
