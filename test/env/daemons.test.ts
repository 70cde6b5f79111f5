import { describe, expect, it } from "vitest";
import { requireEnv, testEnv } from "../support/env.js";
import { httpGet, run, socketPath } from "./run.js";

// Every daemon scripts/runtime-env.sh starts answers where the exports say.
describe("runtime environment daemons", () => {
  it("containerd answers on CONTAINERD_SOCKET with its CRI plugin loaded", async () => {
    const socket = requireEnv("CONTAINERD_SOCKET");
    expect(socketPath(testEnv.containerdEndpoint())).toBe(socket);
    const version = await run("ctr", ["--address", socket, "version"]);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/Server:\s+Version:\s+\S+/);
    const plugins = await run("ctr", ["--address", socket, "plugins", "ls"]);
    expect(plugins.stdout).toMatch(/io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/);
  });

  it("dockerd answers on DOCKER_ENDPOINT with cgroupfs and berth's bridge", async () => {
    const socket = socketPath(testEnv.dockerEndpoint());
    const ping = await httpGet({ socket, path: "/_ping" });
    expect(ping.status).toBe(200);
    expect(ping.body).toBe("OK");
    const info = JSON.parse((await httpGet({ socket, path: "/v1.41/info" })).body) as Record<string, unknown>;
    expect(info["CgroupDriver"]).toBe("cgroupfs");
    expect(info["DockerRootDir"]).toBe(`${requireEnv("BERTH_ENV_DIR")}/docker/data`);
    const bridge = JSON.parse((await httpGet({ socket, path: "/v1.41/networks/bridge" })).body) as {
      Options: Record<string, string>;
    };
    expect(bridge.Options["com.docker.network.bridge.name"]).toBe(requireEnv("BERTH_DOCKER_BRIDGE"));
  });

  it("REGISTRY serves the v2 API without credentials", async () => {
    const res = await httpGet({ url: `http://${testEnv.registry()}/v2/` });
    expect(res.status).toBe(200);
    expect(res.headers["docker-distribution-api-version"]).toBe("registry/2.0");
  });

  it("AUTH_REGISTRY asks for basic auth and accepts the test account", async () => {
    const url = `http://${testEnv.authRegistry()}/v2/`;
    const anonymous = await httpGet({ url });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toMatch(/^Basic realm=/);
    const basic = (user: string, password: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
    });
    const user = testEnv.authRegistryUser();
    expect((await httpGet({ url }, { headers: basic(user, testEnv.authRegistryPassword()) })).status).toBe(
      200,
    );
    expect((await httpGet({ url }, { headers: basic(user, "not-the-password") })).status).toBe(401);
  });

  it("status reports every daemon running", async () => {
    const status = await run("bash", [requireEnv("BERTH_RUNTIME_ENV"), "status"]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    for (const name of ["containerd", "docker", "registry", "auth-registry"]) {
      expect(status.stdout).toMatch(new RegExp(`^${name}\\s+running`, "m"));
    }
  });
});
