import { describe, expect, it } from "vitest";
import { fieldErrorText } from "../../registry/validation.js";
import { DEFAULT_POD_SECURITY_CONFIG } from "./config.js";
import { levelVersionText } from "./levels.js";
import { policyToEvaluate } from "./policy.js";

const evaluate = (labels: Record<string, string>) =>
  policyToEvaluate(labels, DEFAULT_POD_SECURITY_CONFIG.defaults);
const texts = (labels: Record<string, string>) => {
  const { policy } = evaluate(labels);
  return [policy.enforce, policy.audit, policy.warn].map(levelVersionText);
};

describe("namespace labels to policy (PolicyToEvaluate)", () => {
  it("uses the defaults without labels", () => {
    expect(texts({})).toEqual(["privileged:latest", "privileged:latest", "privileged:latest"]);
  });

  it("reads levels and versions, and lets warn follow a stricter enforce", () => {
    expect(
      texts({
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/enforce-version": "v1.29",
        "pod-security.kubernetes.io/audit": "restricted",
      }),
    ).toEqual(["baseline:v1.29", "restricted:latest", "baseline:v1.29"]);
    expect(
      texts({
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "privileged",
      }),
    ).toEqual(["baseline:latest", "privileged:latest", "privileged:latest"]);
  });

  it("reports bad labels and falls back to restricted enforce and privileged warn", () => {
    const result = evaluate({
      "pod-security.kubernetes.io/enforce": "strict",
      "pod-security.kubernetes.io/warn": "loud",
      "pod-security.kubernetes.io/audit-version": "1.29",
    });
    expect(result.errors.map(fieldErrorText)).toEqual([
      'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "1.29": must be "latest" or "v1.x"',
      'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "loud": must be one of privileged, baseline, restricted',
    ]);
    expect(levelVersionText(result.policy.enforce)).toBe("restricted:latest");
    expect(levelVersionText(result.policy.warn)).toBe("privileged:latest");
  });
});
