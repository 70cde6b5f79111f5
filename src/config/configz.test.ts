import { describe, expect, it } from "vitest";
import { kubeletConfigz } from "./configz.js";
import { resolveAgentConfig } from "./resolve.js";

function configz(fileText?: string) {
  return kubeletConfigz(
    resolveAgentConfig({
      flags: { kubeconfig: "/etc/berth/node.kubeconfig", rootDir: "/var/lib/berth" },
      hostname: "node-a",
      ...(fileText === undefined ? {} : { fileText }),
    }),
  );
}

describe("kubeletConfigz", () => {
  it("writes the defaults as the kubelet's /configz does", () => {
    const z = configz();
    expect(z).toMatchObject({
      kind: "KubeletConfiguration",
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      syncFrequency: "1m0s",
      nodeStatusUpdateFrequency: "10s",
      nodeStatusReportFrequency: "5m0s",
      runtimeRequestTimeout: "2m0s",
      streamingConnectionIdleTimeout: "4h0m0s",
      imageMinimumGCAge: "2m0s",
      imageMaximumGCAge: "0s",
      evictionPressureTransitionPeriod: "5m0s",
      fileCheckFrequency: "20s",
      httpCheckFrequency: "20s",
      containerLogMaxSize: "10Mi",
      containerLogMaxFiles: 5,
      podPidsLimit: -1,
      maxPods: 110,
      evictionHard: { "memory.available": "100Mi" },
    });
    expect(typeof z.containerRuntimeEndpoint).toBe("string");
  });

  it("leaves out the flag-only settings", () => {
    const z = configz();
    for (const flagOnly of ["kubeconfig", "nodeName", "rootDir", "runtime", "logLevel", "imageGCPeriod"]) {
      expect(z, flagOnly).not.toHaveProperty(flagOnly);
    }
  });

  it("writes the file's values back in the file's forms", () => {
    const z = configz(
      [
        "kind: KubeletConfiguration",
        "apiVersion: kubelet.config.k8s.io/v1beta1",
        "syncFrequency: 90s",
        "streamingConnectionIdleTimeout: 30m",
        "containerLogMaxSize: 1536Ki",
        "podPidsLimit: 512",
        "evictionSoft:",
        "  memory.available: 500Mi",
        "evictionSoftGracePeriod:",
        "  memory.available: 1m30s",
      ].join("\n"),
    );
    expect(z).toMatchObject({
      syncFrequency: "1m30s",
      streamingConnectionIdleTimeout: "30m0s",
      containerLogMaxSize: "1536Ki",
      podPidsLimit: 512,
      evictionSoft: { "memory.available": "500Mi" },
      evictionSoftGracePeriod: { "memory.available": "1m30s" },
    });
  });
});
