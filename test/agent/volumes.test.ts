/**
 * configMap, secret, downwardAPI and projected volumes seen from inside the container (each pod
 * prints what it sees into its termination message and exits): items, paths, modes, binary data,
 * fsGroup, read-only mounts, secrets on tmpfs; updates of a ConfigMap, a Secret and a label that
 * reach a running container while a subPath mount of the same key keeps its first content; a missing object that holds the pod in
 * ContainerCreating with the kubelet's FailedMount event until it appears; optional sources.
 */
import type { IPod } from "kubernetes-models/v1";
import { describe, it } from "vitest";
import { resourcePath } from "../../src/api/index.js";
import { NAMESPACE, RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import {
  containerStatus,
  FOREVER,
  kubectlPodRow,
  phaseIs,
  pod,
  runningAndReady,
  shell,
  waitingReason,
} from "./pods.js";

/** The agent resyncs every pod this often here, so that nothing waits for the 1 m default. */
const SYNC_FREQUENCY = "5s";

/** A container that runs script and leaves everything it printed as its termination message. */
function reporter(script: string, extra: Parameters<typeof shell>[2] = {}) {
  return shell("app", `{ ${script}; } > /dev/termination-log 2>&1`, extra);
}

function terminatedMessage(p: IPod, container = "app"): string | undefined {
  return containerStatus(p, container)?.state?.terminated?.message;
}

function exitedWithMessage(p: IPod): boolean {
  return terminatedMessage(p) !== undefined;
}

describe.each(RUNTIMES)("configMap, secret, downwardAPI and projected volumes on %s", (runtime) => {
  const cluster = useCluster(runtime, { agentConfig: { syncFrequency: SYNC_FREQUENCY } });

  async function createConfigMap(
    name: string,
    data: Record<string, string>,
    binaryData?: Record<string, string>,
  ) {
    await cluster().api.create(resourcePath({ resource: "configmaps", namespace: NAMESPACE }), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name },
      data,
      ...(binaryData === undefined ? {} : { binaryData }),
    });
  }

  async function createSecret(name: string, stringData: Record<string, string>) {
    await cluster().api.create(resourcePath({ resource: "secrets", namespace: NAMESPACE }), {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name },
      stringData,
    });
  }

  async function events(name: string): Promise<{ reason: string; message: string }[]> {
    const out = await cluster().kubectl(
      "get",
      "events",
      "--field-selector",
      `involvedObject.name=${name}`,
      "-o",
      "json",
    );
    const items = (JSON.parse(out) as { items: { reason: string; message: string }[] }).items;
    return items.map((e) => ({ reason: e.reason, message: e.message }));
  }

  it.concurrent("shows each kind's files, modes and mounts inside the container", async ({ expect }) => {
    await createConfigMap("kinds-cm", { "app.conf": "port=80", other: "x" }, { "blob.bin": "AAEC" });
    await createSecret("kinds-secret", { password: "s3cret" });
    const script = [
      "cd /cm && echo cm=$(ls | tr '\\n' ,) conf=$(cat conf/app.conf) mode=$(stat -L -c %a conf/app.conf) blob=$(od -An -tx1 blob.bin | tr -d ' ')",
      "echo secret=$(cat /secret/password) mode=$(stat -L -c %a /secret/password) group=$(stat -L -c %g /secret/password)",
      "echo secretfs=$(grep ' /secret ' /proc/mounts | cut -d' ' -f3) cmfs=$(grep ' /cm ' /proc/mounts | cut -d' ' -f3)",
      "echo name=$(cat /downward/name) labels=$(cat /downward/labels | tr '\\n' ,) cpu=$(cat /downward/cpu)",
      "echo projected=$(ls /projected | tr '\\n' ,) p=$(cat /projected/p) pfs=$(grep ' /projected ' /proc/mounts | cut -d' ' -f3)",
      "touch /cm/new 2>/dev/null && echo cm-writable || echo cm-readonly",
    ].join("; ");
    const spec = pod("kinds", {
      restartPolicy: "Never",
      securityContext: { fsGroup: 1234 },
      volumes: [
        {
          name: "cm",
          configMap: {
            name: "kinds-cm",
            items: [
              { key: "app.conf", path: "conf/app.conf", mode: 0o600 },
              { key: "blob.bin", path: "blob.bin" },
            ],
          },
        },
        { name: "secret", secret: { secretName: "kinds-secret", defaultMode: 0o400 } },
        {
          name: "downward",
          downwardAPI: {
            items: [
              { path: "name", fieldRef: { fieldPath: "metadata.name" } },
              { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
              {
                path: "cpu",
                resourceFieldRef: { containerName: "app", resource: "limits.cpu", divisor: "1m" },
              },
            ],
          },
        },
        {
          name: "projected",
          projected: {
            sources: [
              { configMap: { name: "kinds-cm", items: [{ key: "other", path: "p" }] } },
              { secret: { name: "kinds-secret" } },
              { downwardAPI: { items: [{ path: "ns", fieldRef: { fieldPath: "metadata.namespace" } }] } },
            ],
          },
        },
      ],
      containers: [
        reporter(script, {
          resources: { limits: { cpu: "250m", memory: "64Mi" } },
          volumeMounts: [
            { name: "cm", mountPath: "/cm" },
            { name: "secret", mountPath: "/secret" },
            { name: "downward", mountPath: "/downward" },
            { name: "projected", mountPath: "/projected" },
          ],
        }),
      ],
    });
    await cluster().createPod(spec);
    const done = await cluster().waitForPod("kinds", exitedWithMessage, "exited", 60_000);
    const lines = (terminatedMessage(done) ?? "").trim().split("\n");
    expect(lines).toEqual([
      "cm=blob.bin,conf, conf=port=80 mode=640 blob=000102",
      "secret=s3cret mode=440 group=1234",
      // The configMap volume is a directory on the agent's disk; the secret is on a tmpfs.
      expect.stringMatching(/^secretfs=tmpfs cmfs=(?!tmpfs)\S+$/),
      'name=kinds labels=e2e="berth" cpu=250',
      "projected=ns,p,password, p=x pfs=tmpfs",
      "cm-readonly",
    ]);
  });

  it.concurrent(
    "updates of a ConfigMap, a Secret and a label reach a running container; a subPath mount keeps its first content",
    async ({ expect }) => {
      await createConfigMap("update-cm", { key: "v1" });
      await createSecret("update-secret", { password: "p1" });
      const script = [
        'until [ "$(cat /cfg/key)" = v2 ] && [ "$(cat /sec/password)" = p2 ] && grep -q \'phase="two"\' /info/labels; do sleep 0.5; done',
        "echo cfg=$(cat /cfg/key) sec=$(cat /sec/password) sub=$(cat /sub/key) labels=$(cat /info/labels | tr '\\n' ,)",
      ].join("; ");
      const spec = pod("update", {
        restartPolicy: "Never",
        volumes: [
          { name: "cfg", configMap: { name: "update-cm" } },
          { name: "sec", secret: { secretName: "update-secret" } },
          {
            name: "info",
            downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
          },
        ],
        containers: [
          reporter(script, {
            volumeMounts: [
              { name: "cfg", mountPath: "/cfg" },
              { name: "cfg", mountPath: "/sub/key", subPath: "key" },
              { name: "sec", mountPath: "/sec" },
              { name: "info", mountPath: "/info" },
            ],
          }),
        ],
      });
      spec.metadata = { ...spec.metadata, labels: { ...spec.metadata?.labels, phase: "one" } };
      await cluster().createPod(spec);
      await cluster().waitForPod("update", runningAndReady, "Running", 60_000);
      const start = performance.now();
      await cluster().kubectl("patch", "configmap", "update-cm", "-p", '{"data":{"key":"v2"}}');
      // "cDI=" is base64 of "p2"
      await cluster().kubectl("patch", "secret", "update-secret", "-p", '{"data":{"password":"cDI="}}');
      await cluster().kubectl("label", "pod", "update", "phase=two", "--overwrite");
      const done = await cluster().waitForPod("update", exitedWithMessage, "saw the update", 90_000);
      expect(performance.now() - start).toBeLessThan(90_000);
      expect(terminatedMessage(done)?.trim()).toBe('cfg=v2 sec=p2 sub=v1 labels=e2e="berth",phase="two"');
    },
  );

  it.concurrent(
    "a missing configMap holds the pod in ContainerCreating until it appears",
    async ({ expect }) => {
      const spec = pod("late", {
        volumes: [{ name: "cfg", configMap: { name: "late-cm" } }],
        containers: [shell("app", FOREVER, { volumeMounts: [{ name: "cfg", mountPath: "/cfg" }] })],
      });
      await cluster().createPod(spec);
      const failedMount = 'MountVolume.SetUp failed for volume "cfg" : configmap "late-cm" not found';
      await expect
        .poll(() => events("late"), { timeout: 30_000, interval: 500 })
        .toContainEqual({
          reason: "FailedMount",
          message: failedMount,
        });
      const waiting = await cluster().waitForPod(
        "late",
        (p) => waitingReason(p, "app") !== undefined,
        "waiting",
      );
      expect(waitingReason(waiting, "app")).toBe("ContainerCreating");
      expect((await kubectlPodRow((...a) => cluster().kubectl(...a), "late"))["STATUS"]).toBe(
        "ContainerCreating",
      );
      const created = performance.now();
      await createConfigMap("late-cm", { key: "here" });
      await cluster().waitForPod("late", runningAndReady, "Running", 30_000);
      expect(performance.now() - created).toBeLessThan(15_000);
    },
  );

  it.concurrent(
    "a missing secret behind env is CreateContainerConfigError until it appears",
    async ({ expect }) => {
      const spec = pod("late-env", {
        containers: [
          shell("app", FOREVER, {
            env: [
              { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "late-env-secret", key: "password" } } },
            ],
          }),
        ],
      });
      await cluster().createPod(spec);
      const waiting = await cluster().waitForPod(
        "late-env",
        (p) => waitingReason(p, "app") === "CreateContainerConfigError",
        "CreateContainerConfigError",
        30_000,
      );
      expect(containerStatus(waiting, "app")?.state?.waiting?.message).toBe(
        'secret "late-env-secret" not found',
      );
      const created = performance.now();
      await createSecret("late-env-secret", { password: "p" });
      await cluster().waitForPod("late-env", runningAndReady, "Running", 30_000);
      expect(performance.now() - created).toBeLessThan(15_000);
    },
  );

  it.concurrent("a Memory emptyDir is a tmpfs limited to its sizeLimit", async ({ expect }) => {
    const script = [
      "echo fs=$(grep ' /m ' /proc/mounts | cut -d' ' -f3) $(grep ' /m ' /proc/mounts | grep -o 'size=[0-9a-z]*')",
      "dd if=/dev/zero of=/m/f bs=1024 count=2048 2>/dev/null && echo wrote || echo full",
    ].join("; ");
    const spec = pod("memory-dir", {
      restartPolicy: "Never",
      volumes: [{ name: "m", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } }],
      containers: [reporter(script, { volumeMounts: [{ name: "m", mountPath: "/m" }] })],
    });
    await cluster().createPod(spec);
    const done = await cluster().waitForPod("memory-dir", exitedWithMessage, "exited", 60_000);
    expect(terminatedMessage(done)?.trim().split("\n")).toEqual(["fs=tmpfs size=1024k", "full"]);
  });

  it.concurrent("optional sources that do not exist do not hold the pod", async ({ expect }) => {
    const spec = pod("optional", {
      restartPolicy: "Never",
      volumes: [
        { name: "cfg", configMap: { name: "never-there", optional: true } },
        { name: "sec", secret: { secretName: "never-there", optional: true } },
      ],
      containers: [
        reporter("echo cfg=$(ls /cfg | wc -l) sec=$(ls /sec | wc -l)", {
          volumeMounts: [
            { name: "cfg", mountPath: "/cfg" },
            { name: "sec", mountPath: "/sec" },
          ],
        }),
      ],
    });
    await cluster().createPod(spec);
    const done = await cluster().waitForPod("optional", phaseIs("Succeeded"), "Succeeded", 60_000);
    expect(terminatedMessage(done)?.trim()).toBe("cfg=0 sec=0");
  });
});
