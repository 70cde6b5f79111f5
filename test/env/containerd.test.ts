import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { requireEnv, testEnv } from "../support/env.js";
import { run } from "./run.js";

// The locally built images run in containerd, and both registries serve them to containerd's
// resolver (ctr), including the auth registry's 401 for wrong credentials.
const PULL_NAMESPACE = `berth-env-test-${process.pid}`;

const ctr = (...args: string[]) => run("ctr", ["--address", requireEnv("CONTAINERD_SOCKET"), ...args]);
const k8s = (...args: string[]) => ctr("-n", "k8s.io", ...args);

/** The manifest digest containerd records for an image name in a namespace. */
async function imageDigest(namespace: string, name: string): Promise<string | undefined> {
  const list = await ctr("-n", namespace, "images", "ls", `name==${name}`);
  return list.stdout.split("\n")[1]?.split(/\s+/)[2];
}

afterAll(async () => {
  const images = await ctr("-n", PULL_NAMESPACE, "images", "ls", "-q");
  for (const name of images.stdout.split("\n").filter(Boolean)) {
    await ctr("-n", PULL_NAMESPACE, "images", "rm", "--sync", name);
  }
  await ctr("namespaces", "rm", PULL_NAMESPACE);
});

describe("containerd with the local images", () => {
  it("runs the test image and prints what it is asked", async () => {
    const id = `berth-env-run-${process.pid}`;
    const script = 'echo "sum=$((20 + 22))"; id -u nobody; ls -ld /tmp | cut -c1-10; echo "$PATH"';
    const res = await k8s("run", "--rm", testEnv.testImage(), id, "sh", "-c", script);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.split("\n")).toEqual([
      "sum=42",
      "65534",
      "drwxrwxrwt",
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "",
    ]);
  });

  it("runs the pause image until SIGTERM, then exits 0", async () => {
    const id = `berth-env-pause-${process.pid}`;
    const child = spawn(
      "ctr",
      ["--address", requireEnv("CONTAINERD_SOCKET"), "-n", "k8s.io", "run", "--rm", testEnv.pauseImage(), id],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Poll until the task runs: the signal must reach the pause process, not a task being created.
    for (let i = 0; ; i++) {
      const tasks = await k8s("tasks", "ls");
      if (new RegExp(`^${id}\\s+\\d+\\s+RUNNING`, "m").test(tasks.stdout)) break;
      if (i > 200) throw new Error(`pause task never ran:\n${tasks.stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const kill = await k8s("tasks", "kill", "-s", "SIGTERM", id);
    expect(kill.code, kill.stderr).toBe(0);
    expect(await exited).toBe(0);
  });

  it("pulls the test image from REGISTRY over plain http", async () => {
    const name = testEnv.testImage();
    const res = await ctr("-n", PULL_NAMESPACE, "images", "pull", "--plain-http", name);
    expect(res.code, res.stderr).toBe(0);
    expect(await imageDigest(PULL_NAMESPACE, name)).toBe(await imageDigest("k8s.io", name));
  });

  it("pulls from AUTH_REGISTRY with the test account", async () => {
    const name = `${testEnv.authRegistry()}/berth/pause:1.0`;
    const user = `${testEnv.authRegistryUser()}:${testEnv.authRegistryPassword()}`;
    const res = await ctr("-n", PULL_NAMESPACE, "images", "pull", "--plain-http", "--user", user, name);
    expect(res.code, res.stderr).toBe(0);
    expect(await imageDigest(PULL_NAMESPACE, name)).toBe(await imageDigest("k8s.io", testEnv.pauseImage()));
  });

  it("gets the registry's 401 from AUTH_REGISTRY with wrong or no credentials", async () => {
    const name = `${testEnv.authRegistry()}/berth/test:1.0`;
    const wrong = `${testEnv.authRegistryUser()}:not-the-password`;
    for (const auth of [["--user", wrong], []]) {
      const res = await ctr("-n", PULL_NAMESPACE, "images", "pull", "--plain-http", ...auth, name);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(/401 Unauthorized/);
    }
    expect(await imageDigest(PULL_NAMESPACE, name)).toBeUndefined();
  });
});
