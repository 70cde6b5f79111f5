/**
 * Pod features the agent claims, end to end on both runtimes with the real programs: hostPath
 * types, downward-API env, termination messages (file and FallbackToLogsOnError),
 * activeDeadlineSeconds and runAsNonRoot. Each container reports what it saw through its
 * termination message, so the check reads the pod's status like kubectl does. The cases are
 * independent and none asserts a duration, so they run concurrently in the file's cluster.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IPod } from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { FOREVER, containerStatus, kubectlPodRow, phaseIs, pod, shell, uidOf } from "./pods.js";

/** The container's last state: terminated (with its message) or waiting (with its reason). */
function terminated(p: IPod, name = "app") {
  return containerStatus(p, name)?.state?.terminated;
}

function waitingWith(reason: string): (p: IPod) => boolean {
  return (p) => containerStatus(p, "app")?.state?.waiting?.reason === reason;
}

describe.each(RUNTIMES)("pod features on %s", (runtime) => {
  const cluster = useCluster(runtime);
  let host: string;
  let socket: Server;

  beforeAll(async () => {
    host = await mkdtemp(join(tmpdir(), `berth-hostpath-${runtime}-`));
    await mkdir(join(host, "dir"));
    await writeFile(join(host, "file"), "from the host\n");
    socket = createServer();
    await new Promise<void>((resolve) => socket.listen(join(host, "sock"), resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => socket?.close(() => resolve()));
    if (host) await rm(host, { recursive: true, force: true });
  });

  it.concurrent("mounts every hostPath type, creating the *OrCreate ones", async ({ expect }) => {
    const script = [
      "set -e",
      "echo made > /created-dir/by-pod",
      "echo appended >> /created-file",
      "cat /file > /dir/copy",
      "[ -S /sock ]",
      "echo hostpaths-ok > /dev/termination-log",
    ].join("\n");
    const path = (p: string) => join(host, p);
    await cluster().createPod(
      pod("hostpaths", {
        restartPolicy: "Never",
        volumes: [
          { name: "created-dir", hostPath: { path: path("new/dir"), type: "DirectoryOrCreate" } },
          { name: "created-file", hostPath: { path: path("new/file"), type: "FileOrCreate" } },
          { name: "dir", hostPath: { path: path("dir"), type: "Directory" } },
          { name: "file", hostPath: { path: path("file"), type: "File" } },
          { name: "sock", hostPath: { path: path("sock"), type: "Socket" } },
        ],
        containers: [
          shell("app", script, {
            volumeMounts: [
              { name: "created-dir", mountPath: "/created-dir" },
              { name: "created-file", mountPath: "/created-file" },
              { name: "dir", mountPath: "/dir" },
              { name: "file", mountPath: "/file" },
              { name: "sock", mountPath: "/sock" },
            ],
          }),
        ],
      }),
    );
    const done = await cluster().waitForPod("hostpaths", phaseIs("Succeeded"), "Succeeded", 60_000);
    expect(terminated(done)?.message).toBe("hostpaths-ok\n");
    expect((await stat(path("new/dir"))).isDirectory()).toBe(true);
    expect(await readFile(path("new/dir/by-pod"), "utf8")).toBe("made\n");
    expect(await readFile(path("new/file"), "utf8")).toBe("appended\n");
    expect(await readFile(path("dir/copy"), "utf8")).toBe("from the host\n");
  });

  it.concurrent(
    "holds a pod whose hostPath has the wrong type in ContainerCreating with FailedMount",
    async ({ expect }) => {
      await cluster().createPod(
        pod("hostpath-wrong", {
          volumes: [{ name: "v", hostPath: { path: join(host, "dir"), type: "File" } }],
          containers: [shell("app", FOREVER, { volumeMounts: [{ name: "v", mountPath: "/v" }] })],
        }),
      );
      // kubelet: the hostPath plugin's SetUp fails, the pod gets no sandbox and waits.
      const failedMount = `MountVolume.SetUp failed for volume "v" : hostPath type check failed: ${join(host, "dir")} is not a file`;
      await expect
        .poll(
          async () => {
            const out = await cluster().kubectl(
              "get",
              "events",
              "--field-selector",
              "involvedObject.name=hostpath-wrong",
              "-o",
              "json",
            );
            const items = (JSON.parse(out) as { items: { reason: string; message: string }[] }).items;
            return items.map((e) => ({ reason: e.reason, message: e.message }));
          },
          { timeout: 30_000, interval: 500 },
        )
        .toContainEqual({ reason: "FailedMount", message: failedMount });
      const p = await cluster().waitForPod(
        "hostpath-wrong",
        (x) => containerStatus(x, "app")?.state?.waiting !== undefined,
        "waiting",
      );
      expect(containerStatus(p, "app")?.state?.waiting?.reason).toBe("ContainerCreating");
      const row = await kubectlPodRow((...a) => cluster().kubectl(...a), "hostpath-wrong");
      expect(row).toMatchObject({ READY: "0/1", STATUS: "ContainerCreating" });
    },
  );

  it.concurrent("gives the downward API's values in env", async ({ expect }) => {
    const vars = ["POD_NAME", "POD_NAMESPACE", "POD_UID", "NODE_NAME", "POD_IP", "HOST_IP", "LABEL", "MEM"];
    await cluster().createPod(
      pod("downward", {
        restartPolicy: "Never",
        containers: [
          shell("app", `{ ${vars.map((v) => `echo "${v}=$${v}"`).join("; ")}; } > /dev/termination-log`, {
            resources: { limits: { memory: "64Mi" } },
            env: [
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
              { name: "POD_UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
              { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
              { name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
              { name: "LABEL", valueFrom: { fieldRef: { fieldPath: "metadata.labels['e2e']" } } },
              {
                name: "MEM",
                valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } },
              },
            ],
          }),
        ],
      }),
    );
    const done = await cluster().waitForPod("downward", phaseIs("Succeeded"), "Succeeded", 60_000);
    const seen = Object.fromEntries(
      (terminated(done)?.message ?? "")
        .trim()
        .split("\n")
        .map((line) => line.split("=") as [string, string]),
    );
    expect(seen).toEqual({
      POD_NAME: "downward",
      POD_NAMESPACE: "default",
      POD_UID: uidOf(done),
      NODE_NAME: cluster().nodeName,
      POD_IP: done.status?.podIP,
      HOST_IP: done.status?.hostIP,
      LABEL: "berth",
      MEM: "64",
    });
  });

  it.concurrent(
    "reports termination messages from the file and, on failure, from the log",
    async ({ expect }) => {
      await cluster().createPod(
        pod("messages", {
          restartPolicy: "Never",
          containers: [
            shell("file", "echo from-the-file > /tmp/message; exit 3", {
              terminationMessagePath: "/tmp/message",
            }),
            shell("logs", "echo first; echo last-line; exit 4", {
              terminationMessagePolicy: "FallbackToLogsOnError",
            }),
            shell("quiet", "echo only-in-the-log; exit 0", {
              terminationMessagePolicy: "FallbackToLogsOnError",
            }),
          ],
        }),
      );
      const done = await cluster().waitForPod("messages", phaseIs("Failed"), "Failed", 60_000);
      expect(terminated(done, "file")).toMatchObject({ exitCode: 3, message: "from-the-file\n" });
      expect(terminated(done, "logs")).toMatchObject({ exitCode: 4, message: "first\nlast-line\n" });
      // A container that succeeded does not fall back to its log.
      expect(terminated(done, "quiet")?.exitCode).toBe(0);
      expect(terminated(done, "quiet")?.message).toBeUndefined();
    },
  );

  it.concurrent("fails a pod past activeDeadlineSeconds with DeadlineExceeded", async ({ expect }) => {
    await cluster().createPod(
      pod("deadline", { activeDeadlineSeconds: 3, containers: [shell("app", FOREVER)] }),
    );
    // Failed comes first (as with the kubelet), then the container is stopped: its SIGTERM trap
    // exits 0, which kubectl shows as Completed.
    const failed = await cluster().waitForPod(
      "deadline",
      (p) => p.status?.phase === "Failed" && terminated(p) !== undefined,
      "Failed with the container stopped",
      60_000,
    );
    expect(failed.status?.reason).toBe("DeadlineExceeded");
    expect(failed.status?.message).toBe("Pod was active on the node longer than the specified deadline");
    expect(terminated(failed)?.exitCode).toBe(0);
  });

  it.concurrent("holds runAsNonRoot in the agent with the kubelet's messages", async ({ expect }) => {
    const nonRoot = (name: string, runAsUser?: number) =>
      pod(name, {
        restartPolicy: "Never",
        securityContext: { runAsNonRoot: true, ...(runAsUser === undefined ? {} : { runAsUser }) },
        containers: [shell("app", "id -u > /dev/termination-log")],
      });
    const image = await cluster().createPod(nonRoot("nonroot-image"));
    const zero = await cluster().createPod(nonRoot("nonroot-zero", 0));
    await cluster().createPod(nonRoot("nonroot-ok", 65534));
    const where = (p: IPod) => `(pod: "${p.metadata?.name}_default(${uidOf(p)})", container: app)`;
    const refused = await cluster().waitForPod(
      "nonroot-image",
      waitingWith("CreateContainerConfigError"),
      "CreateContainerConfigError",
    );
    expect(containerStatus(refused, "app")?.state?.waiting?.message).toBe(
      `container has runAsNonRoot and image will run as root ${where(image)}`,
    );
    const zeroRefused = await cluster().waitForPod(
      "nonroot-zero",
      waitingWith("CreateContainerConfigError"),
      "CreateContainerConfigError",
    );
    expect(containerStatus(zeroRefused, "app")?.state?.waiting?.message).toBe(
      `container's runAsUser breaks non-root policy ${where(zero)}`,
    );
    const ok = await cluster().waitForPod("nonroot-ok", phaseIs("Succeeded"), "Succeeded", 60_000);
    expect(terminated(ok)?.message).toBe("65534\n");
  });
});
