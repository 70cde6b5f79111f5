import type { IContainer, IPod, IPodStatus } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import {
  ANNOTATION_CONTAINER_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  type ContainerState,
  type ContainerStatus,
  type PodSandboxStatus,
} from "../../../runtime/index.js";
import {
  MESSAGE_DEADLINE_EXCEEDED,
  REASON_DEADLINE_EXCEEDED,
  computePodStatus,
  sortPodIPs,
  statusEqual,
  type PodStatusExtras,
  type RuntimePodView,
} from "./index.js";

const NOW = new Date("2026-11-22T10:00:00.456Z");
const LATER = new Date("2026-11-22T10:05:00Z");
const SEC = 1_000_000_000n;
const T0 = BigInt(Date.parse("2026-11-22T09:00:00Z")) * 1_000_000n;

function makePod(
  containers: string[],
  opts: {
    inits?: string[];
    restartPolicy?: "Always" | "OnFailure" | "Never";
    status?: IPodStatus;
    extra?: Partial<IContainer>;
  } = {},
): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "shop", uid: "uid-1" },
    spec: {
      nodeName: "node-a",
      restartPolicy: opts.restartPolicy ?? "Always",
      ...(opts.inits ? { initContainers: opts.inits.map((name) => ({ name, image: `${name}:1` })) } : {}),
      containers: containers.map((name) => ({ name, image: `${name}:1`, ...opts.extra })),
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

function sandbox(
  id: string,
  opts: { ready?: boolean; ip?: string; created?: bigint } = {},
): PodSandboxStatus {
  return {
    id,
    metadata: { name: "web", namespace: "shop", uid: "uid-1", attempt: 0 },
    state: opts.ready === false ? "notready" : "ready",
    createdAt: opts.created ?? T0,
    labels: {},
    annotations: {},
    ip: opts.ip ?? "10.1.0.5",
    additionalIps: [],
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
  };
}

function container(
  name: string,
  id: string,
  state: ContainerState,
  opts: { attempt?: number; exitCode?: number; reason?: string; message?: string; created?: bigint } = {},
): ContainerStatus {
  const created = opts.created ?? T0 + SEC;
  const attempt = opts.attempt ?? 0;
  return {
    id,
    podSandboxId: "sb1",
    metadata: { name, attempt },
    image: { image: `docker.io/library/${name}:1` },
    imageRef: `sha256:${name}`,
    state,
    createdAt: created,
    labels: { [LABEL_CONTAINER_NAME]: name },
    annotations: { [ANNOTATION_CONTAINER_RESTART_COUNT]: String(attempt) },
    startedAt: state === "created" ? 0n : created + SEC,
    finishedAt: state === "exited" ? created + 5n * SEC : 0n,
    exitCode: opts.exitCode ?? 0,
    reason: opts.reason ?? "",
    message: opts.message ?? "",
    mounts: [],
    logPath: "",
  };
}

const extras: PodStatusExtras = { runtimeName: "containerd", hostIPs: ["192.168.1.2"] };
const view = (sandboxes: PodSandboxStatus[], containers: ContainerStatus[]): RuntimePodView => ({
  sandboxes,
  containers,
});

function condition(status: IPodStatus, type: string): Record<string, unknown> | undefined {
  return status.conditions?.find((c) => c.type === type) as Record<string, unknown> | undefined;
}

describe("computePodStatus: a new pod", () => {
  it("is Pending with containers waiting in ContainerCreating", () => {
    const status = computePodStatus(makePod(["a", "b"]), view([], []), extras, NOW);
    expect(status.phase).toBe("Pending");
    expect(status.startTime).toBe("2026-11-22T10:00:00Z");
    expect(status.hostIP).toBe("192.168.1.2");
    expect(status.hostIPs).toEqual([{ ip: "192.168.1.2" }]);
    expect(status.podIP).toBeUndefined();
    expect(status.qosClass).toBe("BestEffort");
    expect(status.initContainerStatuses).toBeUndefined();
    expect(status.containerStatuses).toEqual([
      {
        name: "a",
        image: "a:1",
        imageID: "",
        state: { waiting: { reason: "ContainerCreating" } },
        lastState: {},
        ready: false,
        started: false,
        restartCount: 0,
      },
      {
        name: "b",
        image: "b:1",
        imageID: "",
        state: { waiting: { reason: "ContainerCreating" } },
        lastState: {},
        ready: false,
        started: false,
        restartCount: 0,
      },
    ]);
    const t = "2026-11-22T10:00:00Z";
    expect(status.conditions).toEqual([
      { type: "PodReadyToStartContainers", status: "False", lastTransitionTime: t },
      { type: "Initialized", status: "True", lastTransitionTime: t },
      {
        type: "Ready",
        status: "False",
        reason: "ContainersNotReady",
        message: "containers with unready status: [a b]",
        lastTransitionTime: t,
      },
      {
        type: "ContainersReady",
        status: "False",
        reason: "ContainersNotReady",
        message: "containers with unready status: [a b]",
        lastTransitionTime: t,
      },
      { type: "PodScheduled", status: "True", lastTransitionTime: t },
    ]);
  });

  it("waits in PodInitializing while init containers have not run", () => {
    const status = computePodStatus(
      makePod(["app"], { inits: ["init1", "init2"] }),
      view([sandbox("sb1")], []),
      extras,
      NOW,
    );
    expect(status.phase).toBe("Pending");
    expect(status.initContainerStatuses?.map((s) => s.state)).toEqual([
      { waiting: { reason: "PodInitializing" } },
      { waiting: { reason: "PodInitializing" } },
    ]);
    expect(status.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(condition(status, "PodReadyToStartContainers")?.status).toBe("True");
    expect(condition(status, "Initialized")).toMatchObject({
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with incomplete status: [init1 init2]",
    });
  });
});

describe("computePodStatus: running containers", () => {
  it("lists the container's volume mounts (kubelet: RecursiveReadOnlyMounts)", () => {
    const pod = makePod(["app"], {
      extra: {
        volumeMounts: [
          { name: "data", mountPath: "/data" },
          { name: "config", mountPath: "/etc/app", readOnly: true },
        ],
      },
    });
    const status = computePodStatus(
      pod,
      view([sandbox("sb1")], [container("app", "c1", "running")]),
      extras,
      NOW,
    );
    expect(status.containerStatuses?.[0]?.volumeMounts).toEqual([
      { name: "data", mountPath: "/data" },
      { name: "config", mountPath: "/etc/app", readOnly: true, recursiveReadOnly: "Disabled" },
    ]);
    // a container the runtime does not have yet lists none
    const waiting = computePodStatus(pod, view([sandbox("sb1")], []), extras, NOW);
    expect(waiting.containerStatuses?.[0]?.volumeMounts).toBeUndefined();
  });

  it("reports running state, ids, readiness, IPs and Ready", () => {
    const status = computePodStatus(
      makePod(["app"]),
      view([sandbox("sb1")], [container("app", "c1", "running")]),
      extras,
      NOW,
    );
    expect(status.phase).toBe("Running");
    expect(status.podIP).toBe("10.1.0.5");
    expect(status.podIPs).toEqual([{ ip: "10.1.0.5" }]);
    expect(status.containerStatuses).toEqual([
      {
        name: "app",
        image: "app:1",
        imageID: "sha256:app",
        containerID: "containerd://c1",
        state: { running: { startedAt: "2026-11-22T09:00:02Z" } },
        lastState: {},
        ready: true,
        started: true,
        restartCount: 0,
      },
    ]);
    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ["PodReadyToStartContainers", "True"],
      ["Initialized", "True"],
      ["Ready", "True"],
      ["ContainersReady", "True"],
      ["PodScheduled", "True"],
    ]);
  });

  it("uses the runtime name as the containerID scheme", () => {
    const status = computePodStatus(
      makePod(["app"]),
      view([sandbox("sb1")], [container("app", "c1", "running")]),
      { ...extras, runtimeName: "docker" },
      NOW,
    );
    expect(status.containerStatuses?.[0]?.containerID).toBe("docker://c1");
  });

  it("holds readiness and started to probe results when probes exist", () => {
    const pod = makePod(["app"], {
      extra: {
        readinessProbe: { exec: { command: ["true"] } },
        startupProbe: { exec: { command: ["true"] } },
      },
    });
    const v = view([sandbox("sb1")], [container("app", "c1", "running")]);
    const before = computePodStatus(pod, v, extras, NOW);
    expect(before.containerStatuses?.[0]).toMatchObject({ ready: false, started: false });
    expect(condition(before, "Ready")).toMatchObject({
      status: "False",
      message: "containers with unready status: [app]",
    });
    const after = computePodStatus(
      pod,
      v,
      { ...extras, readiness: { app: true }, startup: { app: true } },
      NOW,
    );
    expect(after.containerStatuses?.[0]).toMatchObject({ ready: true, started: true });
    expect(condition(after, "Ready")?.status).toBe("True");
  });

  it("uses host IPs as pod IPs with host networking", () => {
    const pod = makePod(["app"]);
    pod.spec = { ...pod.spec, containers: pod.spec?.containers ?? [], hostNetwork: true };
    const status = computePodStatus(
      pod,
      view([sandbox("sb1", { ip: "" })], [container("app", "c1", "running")]),
      { ...extras, hostIPs: ["192.168.1.2", "fd00::2"] },
      NOW,
    );
    expect(status.podIPs).toEqual([{ ip: "192.168.1.2" }, { ip: "fd00::2" }]);
    expect(condition(status, "PodReadyToStartContainers")?.status).toBe("True");
  });

  it("treats a created (not started) container as waiting without a reason", () => {
    const status = computePodStatus(
      makePod(["app"]),
      view([sandbox("sb1")], [container("app", "c1", "created")]),
      extras,
      NOW,
    );
    expect(status.containerStatuses?.[0]?.state).toEqual({ waiting: {} });
    expect(status.phase).toBe("Pending");
  });
});

describe("computePodStatus: exits, restarts and waiting reasons", () => {
  it("reports Completed, Error and the runtime's reason with the termination message", () => {
    const pod = makePod(["ok", "bad", "oom"], { restartPolicy: "Never" });
    const status = computePodStatus(
      pod,
      view(
        [sandbox("sb1")],
        [
          container("ok", "c1", "exited", { message: "done" }),
          container("bad", "c2", "exited", { exitCode: 2 }),
          container("oom", "c3", "exited", { exitCode: 137, reason: "OOMKilled" }),
        ],
      ),
      extras,
      NOW,
    );
    expect(status.containerStatuses?.map((s) => s.state?.terminated)).toEqual([
      {
        exitCode: 0,
        reason: "Completed",
        message: "done",
        startedAt: "2026-11-22T09:00:02Z",
        finishedAt: "2026-11-22T09:00:06Z",
        containerID: "containerd://c1",
      },
      {
        exitCode: 2,
        reason: "Error",
        startedAt: "2026-11-22T09:00:02Z",
        finishedAt: "2026-11-22T09:00:06Z",
        containerID: "containerd://c2",
      },
      {
        exitCode: 137,
        reason: "OOMKilled",
        startedAt: "2026-11-22T09:00:02Z",
        finishedAt: "2026-11-22T09:00:06Z",
        containerID: "containerd://c3",
      },
    ]);
    expect(status.phase).toBe("Failed");
    expect(condition(status, "Ready")).toMatchObject({ status: "False", reason: "PodFailed" });
    expect(condition(status, "ContainersReady")).toMatchObject({ status: "False", reason: "PodFailed" });
  });

  it("marks a finished pod Succeeded with PodCompleted conditions", () => {
    const pod = makePod(["job"], { restartPolicy: "OnFailure", inits: ["setup"] });
    const status = computePodStatus(
      pod,
      view(
        [sandbox("sb1", { ready: false })],
        [container("setup", "i1", "exited", { created: T0 }), container("job", "c1", "exited")],
      ),
      extras,
      NOW,
    );
    expect(status.phase).toBe("Succeeded");
    expect(status.initContainerStatuses?.[0]).toMatchObject({ ready: true, started: false });
    expect(condition(status, "Initialized")).toMatchObject({ status: "True", reason: "PodCompleted" });
    expect(condition(status, "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
    expect(condition(status, "ContainersReady")).toMatchObject({ status: "False", reason: "PodCompleted" });
    expect(condition(status, "PodReadyToStartContainers")?.status).toBe("False");
  });

  it("takes lastState from the previous attempt and restartCount from the annotation", () => {
    const status = computePodStatus(
      makePod(["app"]),
      view(
        [sandbox("sb1")],
        [
          container("app", "old", "exited", { attempt: 1, exitCode: 1, created: T0 }),
          container("app", "new", "running", { attempt: 2, created: T0 + 10n * SEC }),
        ],
      ),
      extras,
      NOW,
    );
    const s = status.containerStatuses?.[0];
    expect(s?.containerID).toBe("containerd://new");
    expect(s?.restartCount).toBe(2);
    expect(s?.state?.running).toBeDefined();
    expect(s?.lastState?.terminated).toMatchObject({
      exitCode: 1,
      reason: "Error",
      containerID: "containerd://old",
    });
  });

  it("shows CrashLoopBackOff over the last termination of a container that will restart", () => {
    const waiting = {
      app: {
        reason: "CrashLoopBackOff",
        message: "back-off 10s restarting failed container=app pod=web_shop(uid-1)",
      },
    };
    const v = view([sandbox("sb1")], [container("app", "c1", "exited", { exitCode: 1, attempt: 1 })]);
    const status = computePodStatus(makePod(["app"]), v, { ...extras, waiting }, NOW);
    const s = status.containerStatuses?.[0];
    expect(s?.state).toEqual({ waiting: waiting.app });
    expect(s?.lastState?.terminated).toMatchObject({ exitCode: 1, containerID: "containerd://c1" });
    expect(s?.restartCount).toBe(1);
    expect(status.phase).toBe("Running");
    // Under Never it will not restart: the termination stays.
    const never = computePodStatus(
      makePod(["app"], { restartPolicy: "Never" }),
      v,
      { ...extras, waiting },
      NOW,
    );
    expect(never.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
    expect(never.phase).toBe("Failed");
  });

  it("shows image pull errors on a container that was never created", () => {
    const waiting = { app: { reason: "ErrImagePull", message: "pull access denied" } };
    const status = computePodStatus(
      makePod(["app"]),
      view([sandbox("sb1")], []),
      { ...extras, waiting },
      NOW,
    );
    expect(status.containerStatuses?.[0]?.state).toEqual({
      waiting: { reason: "ErrImagePull", message: "pull access denied" },
    });
    expect(status.phase).toBe("Pending");
  });

  it("does not apply a waiting reason to an init container that succeeded", () => {
    const pod = makePod(["app"], { inits: ["init"] });
    const status = computePodStatus(
      pod,
      view([sandbox("sb1")], [container("init", "i1", "exited")]),
      {
        ...extras,
        waiting: {
          init: { reason: "CrashLoopBackOff", message: "" },
          app: { reason: "CreateContainerConfigError", message: 'configmap "x" not found' },
        },
      },
      NOW,
    );
    expect(status.initContainerStatuses?.[0]?.state?.terminated?.reason).toBe("Completed");
    expect(status.containerStatuses?.[0]?.state).toEqual({
      waiting: { reason: "CreateContainerConfigError", message: 'configmap "x" not found' },
    });
    expect(condition(status, "Initialized")?.status).toBe("True");
  });

  it("does not apply a waiting reason to a failed init container under Never", () => {
    const pod = makePod(["app"], { inits: ["init"], restartPolicy: "Never" });
    const status = computePodStatus(
      pod,
      view([sandbox("sb1")], [container("init", "i1", "exited", { exitCode: 3 })]),
      { ...extras, waiting: { init: { reason: "CrashLoopBackOff", message: "" } } },
      NOW,
    );
    expect(status.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: "Error",
    });
    expect(status.phase).toBe("Failed");
    expect(condition(status, "Initialized")).toMatchObject({
      status: "False",
      message: "containers with incomplete status: [init]",
    });
  });

  it("shows CrashLoopBackOff on a failed init container that will run again", () => {
    const pod = makePod(["app"], { inits: ["init"], restartPolicy: "OnFailure" });
    const status = computePodStatus(
      pod,
      view([sandbox("sb1")], [container("init", "i1", "exited", { exitCode: 3 })]),
      { ...extras, waiting: { init: { reason: "CrashLoopBackOff", message: "back-off" } } },
      NOW,
    );
    expect(status.initContainerStatuses?.[0]?.state).toEqual({
      waiting: { reason: "CrashLoopBackOff", message: "back-off" },
    });
    expect(status.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(3);
    expect(status.phase).toBe("Pending");
  });

  it("treats a sidecar as initialized once started and counts its readiness", () => {
    const pod = makePod(["app"]);
    pod.spec = {
      ...pod.spec,
      containers: pod.spec?.containers ?? [],
      initContainers: [
        {
          name: "proxy",
          image: "proxy:1",
          restartPolicy: "Always",
          readinessProbe: { exec: { command: ["true"] } },
        },
      ],
    };
    const v = view(
      [sandbox("sb1")],
      [container("proxy", "p1", "running", { created: T0 }), container("app", "c1", "running")],
    );
    const notReady = computePodStatus(pod, v, extras, NOW);
    expect(notReady.phase).toBe("Running");
    expect(notReady.initContainerStatuses?.[0]).toMatchObject({ ready: false, started: true });
    expect(condition(notReady, "Initialized")?.status).toBe("True");
    expect(condition(notReady, "ContainersReady")).toMatchObject({
      status: "False",
      message: "containers with unready status: [proxy]",
    });
    const ready = computePodStatus(pod, v, { ...extras, readiness: { proxy: true } }, NOW);
    expect(condition(ready, "ContainersReady")?.status).toBe("True");
    // Before the main container starts, a sidecar that has not started holds initialization.
    const early = computePodStatus(pod, view([sandbox("sb1")], []), extras, NOW);
    expect(condition(early, "Initialized")).toMatchObject({
      status: "False",
      message: "containers with incomplete status: [proxy]",
    });
  });

  it("reports a running container that vanished as a termination with ContainerStatusUnknown", () => {
    const old = computePodStatus(
      makePod(["app"]),
      view([sandbox("sb1")], [container("app", "c1", "running", { attempt: 4 })]),
      extras,
      NOW,
    );
    const status = computePodStatus(
      makePod(["app"], { status: old }),
      view([sandbox("sb1")], []),
      extras,
      LATER,
    );
    const s = status.containerStatuses?.[0];
    expect(s?.state).toEqual({ waiting: { reason: "ContainerCreating" } });
    expect(s?.lastState?.terminated).toMatchObject({ exitCode: 137, reason: "ContainerStatusUnknown" });
    expect(s?.restartCount).toBe(5);
    expect(status.phase).toBe("Running");
  });

  it("reports a running container whose runtime state became unknown as terminated", () => {
    const old = computePodStatus(
      makePod(["app"]),
      view([sandbox("sb1")], [container("app", "c1", "running", { attempt: 1 })]),
      extras,
      NOW,
    );
    const status = computePodStatus(
      makePod(["app"], { status: old }),
      view([sandbox("sb1")], [container("app", "c1", "unknown", { attempt: 1 })]),
      extras,
      LATER,
    );
    expect(status.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: "ContainerStatusUnknown",
    });
    expect(status.containerStatuses?.[0]?.restartCount).toBe(2);
  });

  it("keeps a terminated status whose container was collected", () => {
    const pod = makePod(["app"], { restartPolicy: "Never" });
    const old = computePodStatus(
      pod,
      view([sandbox("sb1")], [container("app", "c1", "exited")]),
      extras,
      NOW,
    );
    const status = computePodStatus({ ...pod, status: old }, view([], []), extras, LATER);
    expect(status.containerStatuses).toEqual(old.containerStatuses);
    expect(status.phase).toBe("Succeeded");
  });
});

describe("computePodStatus: pod-level rules", () => {
  it("never leaves a terminal phase, keeping its reason and message", () => {
    const pod = makePod(["app"], {
      status: { phase: "Failed", reason: "Evicted", message: "low on memory" },
    });
    const status = computePodStatus(
      pod,
      view([sandbox("sb1")], [container("app", "c1", "running")]),
      extras,
      NOW,
    );
    expect(status.phase).toBe("Failed");
    expect(status.reason).toBe("Evicted");
    expect(status.message).toBe("low on memory");
  });

  it("drops the reason when the phase changes", () => {
    const pod = makePod(["app"], { status: { phase: "Pending", reason: "Something" } });
    const status = computePodStatus(
      pod,
      view([sandbox("sb1")], [container("app", "c1", "running")]),
      extras,
      NOW,
    );
    expect(status.phase).toBe("Running");
    expect(status.reason).toBeUndefined();
  });

  it("fails the pod with a pod-level failure", () => {
    const failure = { reason: REASON_DEADLINE_EXCEEDED, message: MESSAGE_DEADLINE_EXCEEDED };
    const status = computePodStatus(
      makePod(["app"]),
      view([sandbox("sb1")], [container("app", "c1", "running")]),
      { ...extras, failure },
      NOW,
    );
    expect(status).toMatchObject({
      phase: "Failed",
      reason: "DeadlineExceeded",
      message: MESSAGE_DEADLINE_EXCEEDED,
    });
    expect(condition(status, "Ready")).toMatchObject({ status: "False", reason: "PodFailed" });
  });

  it("does not turn a pod that succeeded into a failed one", () => {
    const pod = makePod(["app"], { restartPolicy: "Never", status: { phase: "Succeeded" } });
    const failure = { reason: REASON_DEADLINE_EXCEEDED, message: MESSAGE_DEADLINE_EXCEEDED };
    const status = computePodStatus(
      pod,
      view([], [container("app", "c1", "exited")]),
      { ...extras, failure },
      NOW,
    );
    expect(status.phase).toBe("Succeeded");
    expect(status.reason).toBeUndefined();
  });

  it("ends a terminal pod with every container terminated", () => {
    const pod = makePod(["a", "b"]);
    const status = computePodStatus(
      pod,
      view([], [container("a", "c1", "exited", { exitCode: 0 })]),
      { ...extras, terminal: true, waiting: { b: { reason: "ImagePullBackOff", message: "" } } },
      NOW,
    );
    expect(status.containerStatuses?.[0]?.state?.terminated?.reason).toBe("Completed");
    expect(status.containerStatuses?.[1]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: "ContainerStatusUnknown",
    });
    expect(status.phase).toBe("Failed");
    const done = computePodStatus(
      pod,
      view([], [container("a", "c1", "exited"), container("b", "c2", "exited")]),
      { ...extras, terminal: true },
      NOW,
    );
    expect(done.phase).toBe("Succeeded");
  });

  it("keeps startTime, and the pod IPs once the sandbox is gone", () => {
    const first = computePodStatus(
      makePod(["app"]),
      view([sandbox("sb1")], [container("app", "c1", "running")]),
      extras,
      NOW,
    );
    const status = computePodStatus(makePod(["app"], { status: first }), view([], []), extras, LATER);
    expect(status.startTime).toBe("2026-11-22T10:00:00Z");
    expect(status.podIP).toBe("10.1.0.5");
  });

  it("takes the newest sandbox's IPs, and is not ready to start containers while an older one also runs", () => {
    const v = view(
      [
        sandbox("old", { ip: "10.1.0.4", created: T0 }),
        sandbox("new", { ip: "10.1.0.9", created: T0 + SEC }),
      ],
      [],
    );
    const status = computePodStatus(makePod(["app"]), v, extras, NOW);
    expect(status.podIP).toBe("10.1.0.9");
    expect(condition(status, "PodReadyToStartContainers")?.status).toBe("False");
  });

  it("orders pod IPs by the node's family, one per family", () => {
    expect(sortPodIPs(["fd00::5", "10.1.0.5", "10.1.0.6"], ["192.168.1.2"])).toEqual(["10.1.0.5", "fd00::5"]);
    expect(sortPodIPs(["10.1.0.5", "fd00::5"], ["fd00::2"])).toEqual(["fd00::5", "10.1.0.5"]);
    expect(sortPodIPs(["fd00::5"], [])).toEqual(["fd00::5"]);
    expect(sortPodIPs(["", "not-an-ip"], [])).toEqual([]);
    const dual = { ...sandbox("sb1", { ip: "fd00::5" }), additionalIps: ["10.1.0.5"] };
    const status = computePodStatus(makePod(["app"]), view([dual], []), extras, NOW);
    expect(status.podIPs).toEqual([{ ip: "10.1.0.5" }, { ip: "fd00::5" }]);
    expect(status.podIP).toBe("10.1.0.5");
  });

  it("reports the QoS class", () => {
    const pod = makePod(["app"], { extra: { resources: { limits: { cpu: "1", memory: "1Gi" } } } });
    expect(computePodStatus(pod, view([], []), extras, NOW).qosClass).toBe("Guaranteed");
  });
});

describe("computePodStatus: conditions over time", () => {
  it("keeps lastTransitionTime while a condition holds and moves it when it flips", () => {
    const pod = makePod(["app"]);
    const pending = computePodStatus(pod, view([sandbox("sb1")], []), extras, NOW);
    const running = computePodStatus(
      { ...pod, status: pending },
      view([sandbox("sb1")], [container("app", "c1", "running")]),
      extras,
      LATER,
    );
    expect(condition(running, "PodReadyToStartContainers")?.lastTransitionTime).toBe("2026-11-22T10:00:00Z");
    expect(condition(running, "Initialized")?.lastTransitionTime).toBe("2026-11-22T10:00:00Z");
    expect(condition(running, "Ready")?.lastTransitionTime).toBe("2026-11-22T10:05:00Z");
    expect(condition(running, "ContainersReady")?.lastTransitionTime).toBe("2026-11-22T10:05:00Z");
  });

  it("keeps the scheduler's PodScheduled time and foreign conditions (first)", () => {
    const pod = makePod(["app"], {
      status: {
        conditions: [
          { type: "PodScheduled", status: "True", lastTransitionTime: "2026-11-22T08:00:00Z" },
          {
            type: "DisruptionTarget",
            status: "True",
            reason: "PreemptionByScheduler",
            lastTransitionTime: "2026-11-22T08:30:00Z",
          },
        ],
      },
    });
    const status = computePodStatus(pod, view([], []), extras, NOW);
    expect(status.conditions?.[0]).toEqual({
      type: "DisruptionTarget",
      status: "True",
      reason: "PreemptionByScheduler",
      lastTransitionTime: "2026-11-22T08:30:00Z",
    });
    expect(status.conditions?.map((c) => c.type)).toEqual([
      "DisruptionTarget",
      "PodReadyToStartContainers",
      "Initialized",
      "Ready",
      "ContainersReady",
      "PodScheduled",
    ]);
    expect(condition(status, "PodScheduled")?.lastTransitionTime).toBe("2026-11-22T08:00:00Z");
  });

  it("holds Ready on readiness gates", () => {
    const base = makePod(["app"]);
    const gated = (conditions: IPodStatus["conditions"]): IPod => ({
      ...base,
      spec: {
        containers: base.spec?.containers ?? [],
        readinessGates: [{ conditionType: "example.com/lb" }],
      },
      status: { conditions },
    });
    const v = view([sandbox("sb1")], [container("app", "c1", "running")]);
    const missing = computePodStatus(gated([]), v, extras, NOW);
    expect(condition(missing, "Ready")).toMatchObject({
      status: "False",
      reason: "ReadinessGatesNotReady",
      message: 'corresponding condition of pod readiness gate "example.com/lb" does not exist.',
    });
    expect(condition(missing, "ContainersReady")?.status).toBe("True");
    const notTrue = computePodStatus(gated([{ type: "example.com/lb", status: "False" }]), v, extras, NOW);
    expect(condition(notTrue, "Ready")?.message).toBe(
      'the status of pod readiness gate "example.com/lb" is not "True", but False',
    );
    const ok = computePodStatus(gated([{ type: "example.com/lb", status: "True" }]), v, extras, NOW);
    expect(condition(ok, "Ready")?.status).toBe("True");
  });
});

describe("statusEqual", () => {
  const pod = makePod(["app"]);
  const v = view([sandbox("sb1")], [container("app", "c1", "running")]);

  it("is true for a recomputed status with nothing new", () => {
    const first = computePodStatus(pod, v, extras, NOW);
    const second = computePodStatus({ ...pod, status: first }, v, extras, LATER);
    expect(statusEqual(first, second)).toBe(true);
  });

  it("ignores sub-second precision, condition order, lastProbeTime and absent fields", () => {
    const a: IPodStatus = {
      phase: "Running",
      startTime: "2026-11-22T10:00:00Z",
      conditions: [
        { type: "Ready", status: "True", lastTransitionTime: "2026-11-22T10:00:00Z" },
        { type: "Initialized", status: "True", lastTransitionTime: "2026-11-22T10:00:00Z" },
      ],
    };
    const b: IPodStatus = {
      phase: "Running",
      startTime: "2026-11-22T10:00:00.000000Z",
      reason: undefined,
      conditions: [
        {
          type: "Initialized",
          status: "True",
          lastTransitionTime: "2026-11-22T10:00:00Z",
          lastProbeTime: "2026-11-22T11:00:00Z",
        },
        { type: "Ready", status: "True", lastTransitionTime: "2026-11-22T10:00:00.9Z" },
      ],
    };
    expect(statusEqual(a, b)).toBe(true);
  });

  it("is false when anything the agent reports changed", () => {
    const first = computePodStatus(pod, v, extras, NOW);
    const exited = computePodStatus(
      { ...pod, status: first },
      view([sandbox("sb1")], [container("app", "c1", "exited")]),
      extras,
      LATER,
    );
    expect(statusEqual(first, exited)).toBe(false);
    expect(statusEqual(first, { ...first, startTime: "2026-11-22T10:00:01Z" })).toBe(false);
    expect(statusEqual(undefined, first)).toBe(false);
    expect(statusEqual(undefined, {})).toBe(true);
  });
});
