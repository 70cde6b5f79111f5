import { afterAll, describe, expect, it } from "vitest";
import { testEnv } from "../support/env.js";
import { DOCKER_CLI, httpGet, run, socketPath } from "./run.js";

// The locally built images run in our dockerd, and its pulls reach both registries.
const suffix = `${process.pid}`;
const docker = (...args: string[]) => run(DOCKER_CLI, ["-H", testEnv.dockerEndpoint(), ...args], 90_000);
const created: string[] = [];

afterAll(async () => {
  if (created.length > 0) await docker("rm", "-f", ...created);
  await docker("rmi", `${testEnv.authRegistry()}/berth/pause:1.0`);
});

/** Docker decodes X-Registry-Auth as URL-safe base64 *with* padding (Go's base64.URLEncoding). */
function base64Url(text: string): string {
  return Buffer.from(text).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/** A Docker Engine API pull (POST /images/create) with the given registry credentials. */
function apiPull(image: string, username: string, password: string) {
  const [fromImage, tag] = [image.slice(0, image.lastIndexOf(":")), image.slice(image.lastIndexOf(":") + 1)];
  const auth = { username, password, serveraddress: testEnv.authRegistry() };
  return httpGet(
    {
      socket: socketPath(testEnv.dockerEndpoint()),
      path: `/v1.41/images/create?fromImage=${encodeURIComponent(fromImage)}&tag=${encodeURIComponent(tag)}`,
    },
    {
      method: "POST",
      headers: { "X-Registry-Auth": base64Url(JSON.stringify(auth)) },
    },
  );
}

describe("docker with the local images", () => {
  it("runs the test image and prints what it is asked", async () => {
    const res = await docker(
      "run",
      "--rm",
      testEnv.testImage(),
      "sh",
      "-c",
      'echo "sum=$((20 + 22))"; id nobody',
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe("sum=42\nuid=65534(nobody) gid=65534(nobody) groups=65534(nobody)\n");
  });

  it("stops the pause container with SIGTERM (exit 0, no SIGKILL after the grace period)", async () => {
    const name = `berth-env-pause-${suffix}`;
    created.push(name);
    expect((await docker("run", "-d", "--name", name, testEnv.pauseImage())).code).toBe(0);
    // A 60 s grace period: a pause that ignored SIGTERM would end with SIGKILL (137), not 0.
    const stop = await docker("stop", "-t", "60", name);
    expect(stop.code, stop.stderr).toBe(0);
    const state = await docker("inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}}", name);
    expect(state.stdout.trim()).toBe("0 false");
  });

  it("reaps orphans as PID 1 of a shared PID namespace", async () => {
    const pause = `berth-env-reaper-${suffix}`;
    created.push(pause);
    expect((await docker("run", "-d", "--name", pause, testEnv.pauseImage())).code).toBe(0);
    // The subshell exits at once, so its `sleep` is reparented to pause (PID 1) and exits after
    // 0.2 s; once it has, ps must show no zombie.
    const script = "(sleep 0.2 &); sleep 1; ps -o pid,stat,comm";
    const res = await docker(
      "run",
      "--rm",
      "--pid",
      `container:${pause}`,
      testEnv.testImage(),
      "sh",
      "-c",
      script,
    );
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split("\n").slice(1);
    expect(lines.some((line) => /^\s*1\s+\S+\s+pause$/.test(line))).toBe(true);
    expect(lines.filter((line) => /^\s*\d+\s+Z/.test(line))).toEqual([]);
  });

  it("pulls from REGISTRY", async () => {
    const res = await docker("pull", testEnv.testImage());
    expect(res.code, res.stderr).toBe(0);
  });

  it("pulls from AUTH_REGISTRY with the test account and gets its 401 with a wrong password", async () => {
    const image = `${testEnv.authRegistry()}/berth/pause:1.0`;
    const wrong = await apiPull(image, testEnv.authRegistryUser(), "not-the-password");
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.body).toMatch(/401 Unauthorized|unauthorized: authentication required/);
    const right = await apiPull(image, testEnv.authRegistryUser(), testEnv.authRegistryPassword());
    expect(right.status, right.body).toBe(200);
    expect(right.body).not.toMatch(/"error"/);
    const ids = await docker("image", "inspect", "-f", "{{.Id}}", image, testEnv.pauseImage());
    const [pulled, local] = ids.stdout.trim().split("\n");
    expect(pulled).toBe(local);
  });
});
