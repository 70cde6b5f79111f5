/**
 * Image pulls through the agent, against the loopback registries: a missing image shows
 * ErrImagePull and then ImagePullBackOff; an image in the registry behind basic auth fails without
 * an imagePullSecret and runs with one (imagePullPolicy Always, so a cached copy does not count).
 */
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { testEnv } from "../support/env.js";
import { FOREVER, kubectlPodRow, pod, runningAndReady, shell, waitingReason } from "./pods.js";

function privateImage(): string {
  // the test image's repository and tag, served by the auth registry too
  const ref = testEnv.testImage();
  return `${testEnv.authRegistry()}/${ref.slice(ref.indexOf("/") + 1)}`;
}

describe.each(RUNTIMES)("image pulls on %s", (runtime) => {
  const cluster = useCluster(runtime);

  it.concurrent(
    "a missing image: ErrImagePull, then ImagePullBackOff",
    { timeout: 60_000 },
    async ({ expect }) => {
      await cluster().createPod(
        pod("missing-image", {
          containers: [shell("app", FOREVER, { image: `${testEnv.registry()}/berth/does-not-exist:1.0` })],
        }),
      );
      const reasons: string[] = [];
      const p = await cluster().waitForPod(
        "missing-image",
        (p) => {
          const reason = waitingReason(p, "app");
          if (reason !== undefined && reasons.at(-1) !== reason) reasons.push(reason);
          return reason === "ImagePullBackOff";
        },
        "ImagePullBackOff",
        45_000,
      );
      expect(reasons).toContain("ErrImagePull");
      expect(reasons.indexOf("ErrImagePull")).toBeLessThan(reasons.indexOf("ImagePullBackOff"));
      expect(p.status?.phase).toBe("Pending");
      expect(p.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/does-not-exist/);
      // the backoff may have run out and the next pull failed by now: either reason is right
      const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "missing-image");
      expect(row["READY"]).toBe("0/1");
      expect(row["STATUS"]).toMatch(/^(ErrImagePull|ImagePullBackOff)$/);
    },
  );

  it.concurrent(
    "a private image without a pull secret cannot be pulled",
    { timeout: 60_000 },
    async ({ expect }) => {
      await cluster().createPod(
        pod("private-no-secret", {
          containers: [shell("app", FOREVER, { image: privateImage(), imagePullPolicy: "Always" })],
        }),
      );
      const p = await cluster().waitForPod(
        "private-no-secret",
        (p) => ["ErrImagePull", "ImagePullBackOff"].includes(waitingReason(p, "app") ?? ""),
        "ErrImagePull",
        45_000,
      );
      expect(p.status?.phase).toBe("Pending");
      expect(p.status?.containerStatuses?.[0]?.ready).toBe(false);
    },
  );

  it.concurrent("a private image with an imagePullSecret runs", { timeout: 60_000 }, async ({ expect }) => {
    const registry = testEnv.authRegistry();
    const username = testEnv.authRegistryUser();
    const password = testEnv.authRegistryPassword();
    const auth = Buffer.from(`${username}:${password}`).toString("base64");
    const dockerconfig = { auths: { [registry]: { username, password, auth } } };
    await cluster().api.create("/api/v1/namespaces/default/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "auth-registry" },
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": Buffer.from(JSON.stringify(dockerconfig)).toString("base64") },
    });
    await cluster().createPod(
      pod("private-with-secret", {
        imagePullSecrets: [{ name: "auth-registry" }],
        containers: [shell("app", FOREVER, { image: privateImage(), imagePullPolicy: "Always" })],
      }),
    );
    const p = await cluster().waitForPod("private-with-secret", runningAndReady, "Running", 45_000);
    expect(p.status?.containerStatuses?.[0]?.image).toBe(privateImage());
    expect(p.status?.containerStatuses?.[0]?.imageID).not.toBe("");
  });
});
