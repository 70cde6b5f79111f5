/**
 * pods/log and pods/exec proxied to a small HTTPS stand-in for the agent, which accepts only a
 * client certificate signed by the cluster CA and checks it is the API server's.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { DataFiles } from "../../src/apiserver/index.js";
import { issueCertificate, subjectOf } from "../../src/pki/index.js";
import { Api, pod, run, startServer, type TestServer } from "./support.js";

describe("logs and exec proxy", () => {
  let s: TestServer;
  let api: Api;
  let agent: Server;
  const seen: { path: string; user: string }[] = [];

  beforeAll(async () => {
    s = await startServer();
    api = new Api(s);
    const ca = {
      certPem: await readFile(join(s.dir, DataFiles.caCert), "utf8"),
      keyPem: await readFile(join(s.dir, DataFiles.caKey), "utf8"),
    };
    const serving = issueCertificate(ca, {
      commonName: "n1",
      ipAddresses: ["127.0.0.1"],
      usage: "server",
      validDays: 1,
    });
    agent = createServer(
      {
        key: serving.keyPem,
        cert: serving.certPem,
        ca: ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const user = subjectOf((req.socket as TLSSocket).getPeerCertificate())?.commonName ?? "";
        seen.push({ path: req.url ?? "", user });
        if (user !== "kube-apiserver-kubelet-client") {
          res.writeHead(403).end("forbidden");
          return;
        }
        const url = new URL(req.url ?? "/", "https://agent");
        if (url.pathname === "/containerLogs/default/web/main") {
          const lines = ["one", "two", "three"];
          const tail = Number(url.searchParams.get("tailLines") ?? lines.length);
          res.writeHead(200, { "Content-Type": "text/plain" });
          res.end(
            lines
              .slice(-tail)
              .map((l) => `${l}\n`)
              .join(""),
          );
          return;
        }
        res.writeHead(404).end("no such container");
      },
    );
    const wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (p) => (p.has("v5.channel.k8s.io") ? "v5.channel.k8s.io" : false),
    });
    agent.on("upgrade", (req, socket, head) => {
      const user = subjectOf((req.socket as TLSSocket).getPeerCertificate())?.commonName ?? "";
      seen.push({ path: req.url ?? "", user });
      wss.handleUpgrade(req, socket, head, (ws) => {
        const url = new URL(req.url ?? "/", "https://agent");
        const command = url.searchParams.getAll("command");
        ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(`${command.slice(1).join(" ")}\n`)]));
        if (command[0] === "false") {
          const status = {
            metadata: {},
            status: "Failure",
            message: "exit 1",
            reason: "NonZeroExitCode",
            details: { causes: [{ reason: "ExitCode", message: "1" }] },
          };
          ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
        } else {
          ws.send(
            Buffer.concat([
              Buffer.from([3]),
              Buffer.from(JSON.stringify({ metadata: {}, status: "Success" })),
            ]),
          );
        }
        ws.close(1000);
      });
    });
    await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", resolve));
    const port = (agent.address() as AddressInfo).port;
    await api.call("/api/v1/nodes", { method: "POST", body: { metadata: { name: "n1" } } });
    const status = await api.call("/api/v1/nodes/n1/status", {
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: {
        status: {
          addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
          daemonEndpoints: { kubeletEndpoint: { Port: port } },
        },
      },
    });
    expect(status.status).toBe(200);
    const created = await api.call("/api/v1/namespaces/default/pods", {
      method: "POST",
      body: pod("web", { spec: { nodeName: "n1", containers: [{ name: "main", image: "busybox" }] } }),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await api.close();
    agent.closeAllConnections();
    await new Promise((r) => agent.close(r));
    await s.stop();
  });

  const kubectl = async (...args: string[]) =>
    (
      await run("/usr/bin/kubectl", ["--cache-dir", join(s.dir, "cache"), ...args], {
        env: { ...process.env, KUBECONFIG: s.kubeconfig },
        timeout: 60_000,
      })
    ).stdout;

  it("streams logs from the agent with the API server's client certificate", async () => {
    const r = await api.call("/api/v1/namespaces/default/pods/web/log?tailLines=2");
    expect(r.status).toBe(200);
    expect(r.text).toBe("two\nthree\n");
    expect(seen.at(-1)).toEqual({
      path: "/containerLogs/default/web/main?tailLines=2",
      user: "kube-apiserver-kubelet-client",
    });
    expect(await kubectl("logs", "web")).toBe("one\ntwo\nthree\n");
  });

  it("runs kubectl exec over WebSocket v5 through the proxy", async () => {
    expect(await kubectl("exec", "web", "--", "echo", "hello", "world")).toBe("hello world\n");
    expect(seen.at(-1)?.path).toMatch(
      /^\/exec\/default\/web\/main\?command=echo&command=hello&command=world/,
    );
    const failed = await kubectl("exec", "web", "--", "false", "x").catch(
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(failed).toMatchObject({ code: 1 });
  });

  it("says which container to pick, and refuses an unbound pod", async () => {
    await api.call("/api/v1/namespaces/default/pods", {
      method: "POST",
      body: pod("two", {
        spec: {
          nodeName: "n1",
          containers: [
            { name: "a", image: "x" },
            { name: "b", image: "x" },
          ],
        },
      }),
    });
    const r = await api.call("/api/v1/namespaces/default/pods/two/log");
    expect(r.status).toBe(400);
    expect(r.json.message).toBe("a container name must be specified for pod two, choose one of: [a b]");
    await api.call("/api/v1/namespaces/default/pods", { method: "POST", body: pod("loose") });
    const loose = await api.call("/api/v1/namespaces/default/pods/loose/log");
    expect(loose.json.message).toBe("pod loose does not have a host assigned");
  });
});
