import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ScriptedServer, sendJson } from "../../test/api/support/https-server.js";
import { ApiClient } from "./client.js";
import { buildKubeconfig, loadKubeconfig, resolveKubeconfig } from "./kubeconfig.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-kubeconfig-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (cluster: object, user: object, extra: object = {}): string =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster }],
    users: [{ name: "u", user }],
    contexts: [
      { name: "ctx", context: { cluster: "c", user: "u", namespace: "team" } },
      { name: "other", context: { cluster: "c" } },
    ],
    "current-context": "ctx",
    ...extra,
  });

describe("resolveKubeconfig", () => {
  it("reads inline data, the context namespace, and a token", async () => {
    const text = config(
      { server: "https://10.0.0.1:6443", "certificate-authority-data": b64("CA") },
      { token: "t" },
    );
    await expect(resolveKubeconfig(text)).resolves.toEqual({
      server: "https://10.0.0.1:6443",
      caPem: "CA",
      token: "t",
      namespace: "team",
    });
    await expect(resolveKubeconfig(text, { context: "other" })).resolves.toEqual({
      server: "https://10.0.0.1:6443",
      caPem: "CA",
    });
  });

  it("reads files relative to the kubeconfig, token-file and client certificates", async () => {
    await writeFile(join(dir, "ca.crt"), "CAFILE");
    await writeFile(join(dir, "tok"), "  filetoken\n");
    await writeFile(join(dir, "c.crt"), "CERT");
    await writeFile(join(dir, "c.key"), "KEY");
    const path = join(dir, "kubeconfig");
    await writeFile(
      path,
      config(
        { server: "https://h:1", "certificate-authority": "ca.crt", "tls-server-name": "api" },
        { "token-file": "tok", "client-certificate": join(dir, "c.crt"), "client-key": "c.key" },
      ),
    );
    await expect(loadKubeconfig(path)).resolves.toEqual({
      server: "https://h:1",
      caPem: "CAFILE",
      tlsServerName: "api",
      token: "filetoken",
      certPem: "CERT",
      keyPem: "KEY",
      namespace: "team",
    });
  });

  it("names the problem in a bad kubeconfig", async () => {
    const fails = async (text: string, message: RegExp, context?: string): Promise<void> => {
      await expect(
        resolveKubeconfig(text, { source: "/etc/kc", baseDir: dir, ...(context ? { context } : {}) }),
      ).rejects.toMatchObject({
        code: "Config",
        message: expect.stringMatching(message),
      });
    };
    await fails("a: [", /kubeconfig \/etc\/kc: not valid YAML/);
    await fails("- 1", /must be a YAML mapping/);
    await fails(config({ server: "https://h" }, {}, { "current-context": "" }), /current-context is not set/);
    await fails(config({ server: "https://h" }, {}), /context "nope" not found in contexts/, "nope");
    await fails(config({}, {}), /cluster "c" has no server/);
    await fails(config({ server: "h:6443" }, {}), /server "h:6443" must be an https or http URL/);
    await fails(config({ server: "https://h", "insecure-skip-tls-verify": "yes" }, {}), /true or false/);
    await fails(
      config(
        { server: "https://h", "insecure-skip-tls-verify": true, "certificate-authority-data": b64("x") },
        {},
      ),
      /exclude each other/,
    );
    await fails(config({ server: "https://h", "certificate-authority-data": "%%%" }, {}), /not valid base64/);
    await fails(
      config({ server: "https://h", "certificate-authority": "missing.crt" }, {}),
      /cannot read .*missing\.crt/,
    );
    await fails(
      config({ server: "https://h" }, { "client-certificate-data": b64("x") }),
      /must be given together/,
    );
    await fails(
      config({ server: "https://h" }, { exec: { command: "x" } }),
      /exec credential plugins are not supported/,
    );
    await fails(config({ server: "http://h" }, { token: "t" }), /only sent over https/);
    await fails(config({ server: "https://h" }, { token: 5 }), /user "u": token must be a string/);
    await fails(config({ server: "https://h" }, { "token-file": "missing" }), /token-file: cannot read/);
  });

  it("fails clearly on a missing file", async () => {
    await expect(loadKubeconfig(join(dir, "nope"))).rejects.toMatchObject({
      code: "Config",
      message: expect.stringMatching(/nope: cannot read/),
    });
  });
});

describe("buildKubeconfig", () => {
  it("writes a kubeconfig kubectl understands, and it round-trips", async () => {
    const yaml = buildKubeconfig({
      server: "https://127.0.0.1:6443",
      caPem: "CA\n",
      user: { certPem: "CERT\n", keyPem: "KEY\n" },
      name: "berth",
      namespace: "default",
    });
    const doc = parse(yaml) as Record<string, unknown>;
    expect(doc).toMatchObject({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "berth",
      clusters: [
        {
          name: "berth",
          cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": b64("CA\n") },
        },
      ],
      users: [
        {
          name: "berth",
          user: { "client-certificate-data": b64("CERT\n"), "client-key-data": b64("KEY\n") },
        },
      ],
      contexts: [{ name: "berth", context: { cluster: "berth", user: "berth", namespace: "default" } }],
    });
    await expect(resolveKubeconfig(yaml)).resolves.toEqual({
      server: "https://127.0.0.1:6443",
      caPem: "CA\n",
      certPem: "CERT\n",
      keyPem: "KEY\n",
      namespace: "default",
    });
    const withToken = buildKubeconfig({ server: "https://h", caPem: "CA", user: { token: "t" }, name: "n" });
    await expect(resolveKubeconfig(withToken)).resolves.toMatchObject({ token: "t" });
    expect(() => buildKubeconfig({ server: "h", caPem: "CA", user: { token: "t" }, name: "n" })).toThrow(
      expect.objectContaining({ code: "Config" }),
    );
  });

  it("gives a working client: a written kubeconfig reaches a TLS server with a client certificate", async () => {
    const server = await ScriptedServer.start({ requestCert: true });
    const path = join(dir, "written");
    await writeFile(
      path,
      buildKubeconfig({
        server: server.url,
        caPem: server.ca.certPem,
        user: { certPem: server.client.certPem, keyPem: server.client.keyPem },
        name: "n1",
      }),
    );
    server.handler = (_req, res) => sendJson(res, 200, { kind: "Node", metadata: { name: "n1" } });
    const client = await ApiClient.fromKubeconfig(path);
    try {
      await expect(client.get("/api/v1/nodes/n1")).resolves.toMatchObject({ metadata: { name: "n1" } });
      expect(server.requests[0]?.peer).toEqual({
        commonName: "system:node:n1",
        organizations: ["system:nodes"],
      });
    } finally {
      await client.close();
      await server.close();
    }
  });
});
