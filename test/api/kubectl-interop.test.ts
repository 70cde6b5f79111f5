/**
 * Go's TLS and x509 stack (kubectl) accepts what berth's PKI issues and what buildKubeconfig
 * writes: the serving certificate verifies against the CA alone, the client certificate is sent
 * and read back as user and groups, and token kubeconfigs send the bearer token. kubectl must be
 * installed (scripts/setup.sh); a missing kubectl fails this test.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildKubeconfig } from "../../src/api/index.js";
import { createCa, issueCertificate } from "../../src/pki/index.js";
import { ScriptedServer, sendJson } from "./support/https-server.js";

let server: ScriptedServer;
let dir: string;

beforeAll(async () => {
  server = await ScriptedServer.start({ requestCert: true });
  server.handler = (req, res) =>
    req.path === "/version"
      ? sendJson(res, 200, { major: "1", minor: "32", gitVersion: "v1.32.0" })
      : sendJson(res, 200, { kind: "Answer", path: req.path });
  dir = await mkdtemp(join(tmpdir(), "berth-kubectl-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function kubectl(
  kubeconfig: string,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; failed: boolean }> {
  return new Promise((resolve, reject) => {
    execFile(
      "kubectl",
      ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === "ENOENT")
          reject(new Error("kubectl is not installed"));
        else resolve({ stdout, stderr, failed: err !== null });
      },
    );
  });
}

async function writeConfig(
  name: string,
  user: Parameters<typeof buildKubeconfig>[0]["user"],
  caPem = server.ca.certPem,
) {
  const path = join(dir, name);
  await writeFile(path, buildKubeconfig({ server: server.url, caPem, user, name }));
  return path;
}

describe("kubectl against berth-issued certificates and kubeconfigs", () => {
  it("verifies the server and presents the client certificate", async () => {
    const path = await writeConfig("cert", { certPem: server.client.certPem, keyPem: server.client.keyPem });
    server.requests.length = 0;
    const out = await kubectl(path, "get", "--raw", "/api/v1/nodes");
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ kind: "Answer", path: "/api/v1/nodes" });
    const last = server.requests.at(-1);
    expect(last?.peer).toEqual({ commonName: "system:node:n1", organizations: ["system:nodes"] });
  });

  it("sends a token", async () => {
    const path = await writeConfig("token", { token: "abc.def" });
    server.requests.length = 0;
    const out = await kubectl(path, "get", "--raw", "/healthz");
    expect(out.failed).toBe(false);
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer abc.def");
  });

  it("refuses a server that another CA vouches for", async () => {
    const other = createCa({ commonName: "other", validDays: 1 });
    const path = await writeConfig("wrong-ca", { token: "t" }, other.certPem);
    server.requests.length = 0;
    const out = await kubectl(path, "get", "--raw", "/healthz");
    expect(out.failed).toBe(true);
    expect(out.stderr).toMatch(/certificate signed by unknown authority|x509/);
    expect(server.requests.filter((r) => r.path === "/healthz")).toHaveLength(0);
    // the client certificate of another CA is not taken as a user either
    const stranger = issueCertificate(other, { commonName: "mallory", usage: "client", validDays: 1 });
    const path2 = await writeConfig("stranger", { certPem: stranger.certPem, keyPem: stranger.keyPem });
    server.requests.length = 0;
    await kubectl(path2, "get", "--raw", "/healthz");
    expect(server.requests.length).toBeGreaterThan(0);
    for (const r of server.requests) expect(r.peer).toBeUndefined();
  });
});
