/**
 * The real kubectl (the /usr/bin/kubectl dispatcher picks 1.32 from /version) against a fresh
 * server: apply, get (wide, yaml, watch), describe, label, annotate, the three patch types,
 * delete (graceful, finished the way an agent finishes it), create namespace, events.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { samples } from "../support/prometheus-text.js";
import { Api, run, startServer, type TestServer } from "./support.js";

const KUBECTL = "/usr/bin/kubectl";

describe("kubectl against berth apiserver", () => {
  let s: TestServer;
  let api: Api;
  let kubectl: (...args: string[]) => Promise<string>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    s = await startServer();
    api = new Api(s);
    env = { ...process.env, KUBECONFIG: s.kubeconfig };
    const cacheDir = join(s.dir, "kubectl-cache");
    kubectl = async (...args: string[]) => {
      try {
        const { stdout } = await run(KUBECTL, ["--cache-dir", cacheDir, ...args], { env, timeout: 60_000 });
        return stdout;
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(`kubectl ${args.join(" ")} failed: ${e.stderr ?? ""}${e.stdout ?? ""}${e.message}`, {
          cause: err,
        });
      }
    };
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      join(s.dir, "pod.yaml"),
      [
        "apiVersion: v1",
        "kind: Pod",
        "metadata:",
        "  name: web",
        "  labels: {app: web}",
        "spec:",
        "  containers:",
        "  - name: main",
        "    image: busybox:1.36",
        '    command: ["sleep", "3600"]',
        "",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await api?.close();
    await s?.stop();
  });

  const manifest = () => join(s.dir, "pod.yaml");

  it("reports the server version kubectl's dispatcher needs", async () => {
    const out = await kubectl("version");
    expect(out).toMatch(/Server Version: v1\.32\.0/);
  });

  it("lists the built-in namespaces and creates one", async () => {
    expect(await kubectl("create", "namespace", "team-a")).toBe("namespace/team-a created\n");
    const out = await kubectl("get", "namespaces");
    expect(out.split("\n")[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
    for (const ns of ["default", "kube-node-lease", "team-a"])
      expect(out).toMatch(new RegExp(`^${ns}\\s+Active\\s+\\d+s`, "m"));
  });

  it("applies a pod, prints kubectl's pod columns, and re-applies unchanged", async () => {
    expect(await kubectl("apply", "-f", manifest())).toBe("pod/web created\n");
    const wide = await kubectl("get", "pods", "-o", "wide");
    const [header, row] = wide.trim().split("\n");
    expect(header).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
    );
    expect(row).toMatch(/^web\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>$/);
    expect(await kubectl("apply", "-f", manifest())).toBe("pod/web unchanged\n");
  });

  it("applies a change as a strategic merge patch and shows defaults in -o yaml", async () => {
    const { readFile, writeFile } = await import("node:fs/promises");
    const text = (await readFile(manifest(), "utf8")).replace("busybox:1.36", "busybox:1.37");
    await writeFile(manifest(), text);
    expect(await kubectl("apply", "-f", manifest())).toBe("pod/web configured\n");
    const pod = parse(await kubectl("get", "pod", "web", "-o", "yaml"));
    expect(pod.spec.containers[0].image).toBe("busybox:1.37");
    expect(pod.spec.restartPolicy).toBe("Always");
    expect(pod.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(pod.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toContain(
      "busybox:1.37",
    );
  });

  it("labels, annotates and patches with merge, json and strategic patches", async () => {
    expect(await kubectl("label", "pod", "web", "tier=fe")).toBe("pod/web labeled\n");
    expect(await kubectl("annotate", "pod", "web", "note=hello")).toBe("pod/web annotated\n");
    await kubectl("patch", "pod", "web", "--type=merge", "-p", '{"metadata":{"labels":{"m":"1"}}}');
    await kubectl(
      "patch",
      "pod",
      "web",
      "--type=json",
      "-p",
      '[{"op":"add","path":"/metadata/labels/j","value":"2"}]',
    );
    await kubectl(
      "patch",
      "pod",
      "web",
      "-p",
      '{"spec":{"containers":[{"name":"main","image":"busybox:1.38"}]}}',
    );
    const out = await kubectl("get", "pod", "web", "--show-labels", "--no-headers");
    expect(out).toMatch(/app=web,j=2,m=1,tier=fe/);
    const pod = parse(await kubectl("get", "pod", "web", "-o", "yaml"));
    expect(pod.metadata.annotations.note).toBe("hello");
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0].image).toBe("busybox:1.38");
    const bad = await kubectl(
      "patch",
      "pod",
      "web",
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/metadata/labels/nope"}]',
    ).catch((e: Error) => e.message);
    expect(bad).toMatch(/The request is invalid: remove operation does not apply/);
  });

  it("applies server-side and refuses an invalid object with the server's causes", async () => {
    const { writeFile } = await import("node:fs/promises");
    const path = join(s.dir, "ssa.yaml");
    await writeFile(path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n");
    expect(await kubectl("apply", "--server-side", "-f", path)).toBe(
      "configmap/settings serverside-applied\n",
    );
    await writeFile(path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta:\n  a: b\n");
    const typo = await kubectl("apply", "-f", path).catch((e: Error) => e.message);
    expect(typo).toMatch(/strict decoding error: unknown field "datta"/);
    await writeFile(
      path,
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n",
    );
    const err = await kubectl("apply", "-f", path).catch((e: Error) => e.message);
    expect(err).toMatch(/Pod "bad" is invalid: spec\.containers\[0\]\.image: Required value/);
  });

  it("explains fields from the served OpenAPI v3 schemas", async () => {
    const out = await kubectl("explain", "pod.spec.containers");
    expect(out).toMatch(/^KIND:\s+Pod\nVERSION:\s+v1\n/);
    expect(out).toMatch(/FIELD: containers <\[\]Container>/);
    expect(out).toContain("List of containers belonging to the pod.");
    expect(out).toMatch(/ {2}image\t<string>/);
    const replicas = await kubectl("explain", "deployment.spec.replicas");
    expect(replicas).toMatch(/FIELD: replicas <integer>/);
    const handler = await kubectl("explain", "runtimeclass.handler");
    expect(handler).toMatch(/GROUP:\s+node\.k8s\.io\nKIND:\s+RuntimeClass\nVERSION:\s+v1\n/);
    expect(handler).toMatch(/FIELD: handler <string>/);
  });

  it("describes a bound pod with its events, and a node", async () => {
    await api.call("/api/v1/nodes", {
      method: "POST",
      body: { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } },
    });
    const bind = await api.call("/api/v1/namespaces/default/pods/web/binding", {
      method: "POST",
      body: {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name: "web" },
        target: { kind: "Node", name: "n1" },
      },
    });
    expect(bind.json).toMatchObject({ status: "Success", code: 201 });
    const pod = (await api.call("/api/v1/namespaces/default/pods/web")).json;
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const ev = await api.call("/api/v1/namespaces/default/events", {
      method: "POST",
      body: {
        metadata: { name: `web.${Date.now().toString(16)}` },
        involvedObject: {
          kind: "Pod",
          namespace: "default",
          name: "web",
          uid: pod.metadata.uid,
          apiVersion: "v1",
        },
        reason: "Scheduled",
        message: "Successfully assigned default/web to n1",
        type: "Normal",
        source: { component: "default-scheduler" },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    expect(ev.status).toBe(201);
    const described = await kubectl("describe", "pod", "web");
    expect(described).toMatch(/^Node:\s+n1\b/m);
    expect(described).toMatch(
      /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web to n1/,
    );
    const events = await kubectl("get", "events");
    expect(events.split("\n")[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(events).toMatch(/Normal\s+Scheduled\s+pod\/web\s+Successfully assigned/);
    const lease = await api.call("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
      method: "POST",
      body: {
        metadata: { name: "n1" },
        spec: { holderIdentity: "n1", leaseDurationSeconds: 40, renewTime: new Date().toISOString() },
      },
    });
    expect(lease.status).toBe(201);
    const leases = await kubectl("get", "leases", "-A");
    expect(leases.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+HOLDER\s+AGE$/);
    expect(leases).toMatch(/^kube-node-lease\s+n1\s+n1\s+\d+s$/m);
    const node = await kubectl("describe", "node", "n1");
    expect(node).toMatch(/^Lease:\s*\n\s+HolderIdentity:\s+n1$/m);
    expect(node).toMatch(/^Name:\s+n1$/m);
    expect(node).toMatch(/default\s+web\s/);
    const nodes = await kubectl("get", "nodes");
    expect(nodes).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/m);
    expect(nodes).toMatch(/^n1\s+Unknown\s+<none>\s+\d+s\s+$/m);
  });

  it("watches with get -w and prints new rows", async () => {
    const child = spawn(KUBECTL, ["--cache-dir", join(s.dir, "kubectl-cache"), "get", "pods", "-w"], { env });
    // One listener for the whole run: output that arrives between two waits is kept.
    let out = "";
    let stderr = "";
    const waiters = new Set<() => void>();
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      for (const w of waiters) w();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const seen = (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`timed out waiting for ${re} in ${out} (stderr: ${stderr}, exit: ${child.exitCode})`),
          );
        }, 30_000);
        function check() {
          if (!re.test(out)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
        waiters.add(check);
        check();
      });
    try {
      await seen(/^web\s+0\/1\s+Pending/m);
      await api.call("/api/v1/namespaces/default/pods", {
        method: "POST",
        body: { metadata: { name: "later" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
      });
      await seen(/^later\s+0\/1\s+Pending\s+0\s+\d+s$/m);
      expect(out.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("deletes an unscheduled pod at once and a bound pod gracefully", async () => {
    expect(await kubectl("delete", "pod", "later")).toBe('pod "later" deleted\n');
    const deleting = kubectl("delete", "pod", "web", "--grace-period=5");
    // As the agent does once the containers are stopped: a final delete with grace 0 and the uid.
    let pod;
    for (let i = 0; i < 100; i++) {
      pod = (await api.call("/api/v1/namespaces/default/pods/web")).json;
      if (pod.metadata.deletionTimestamp) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(5);
    const listed = await kubectl("get", "pod", "web", "--no-headers");
    expect(listed).toMatch(/^web\s+0\/1\s+Terminating/);
    const final = await api.call("/api/v1/namespaces/default/pods/web", {
      method: "DELETE",
      body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } },
    });
    expect(final.status).toBe(200);
    expect(await deleting).toBe('pod "web" deleted\n');
    expect(await kubectl("get", "pods")).toBe("");
  });

  it("serves /metrics to kubectl get --raw: requests by verb, resource, scope and code", async () => {
    await expect(kubectl("get", "pod", "no-such-pod")).rejects.toThrow(/NotFound/);
    const text = await kubectl("get", "--raw", "/metrics");
    expect(text).toMatch(/^# HELP apiserver_request_total \[STABLE\] /m);
    expect(text).toMatch(/^# TYPE apiserver_request_duration_seconds histogram$/m);
    const m = samples(text);
    const pods = (verb: string, scope: string) =>
      `verb="${verb}",dry_run="",group="",version="v1",resource="pods",subresource="",scope="${scope}",component="apiserver"`;
    // The earlier cases' `kubectl get pods` in default, the get of a pod that does not exist, the
    // create and delete, and the get -w case's watch, counted when it ended.
    for (const [verb, scope, code] of [
      ["LIST", "namespace", "200"],
      ["GET", "resource", "404"],
      ["POST", "resource", "201"],
      ["DELETE", "resource", "200"],
      ["WATCH", "namespace", "200"],
    ] as const) {
      const series = `apiserver_request_total{${pods(verb, scope)},code="${code}"}`;
      expect(m.get(series), series).toBeGreaterThan(0);
    }
    expect(
      m.get(`apiserver_request_duration_seconds_bucket{${pods("LIST", "namespace")},le="+Inf"}`),
    ).toBeGreaterThan(0);
    expect(m.get('apiserver_current_inflight_requests{request_kind="mutating"}')).toBe(0);
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
  });
});
