/**
 * port-forward over WebSocket through the API server and the agent, on both runtimes: kubectl 1.32
 * and 1.33 tunnel SPDY in WebSocket (SPDY/3.1+portforward.k8s.io), terminated by the API server;
 * their own log at -v=4 proves the tunnel was negotiated rather than fallen back from; kubectl
 * 1.29 speaks plain SPDY. A raw client speaks the kubelet's port-forward WebSocket protocol
 * (v4.channel.k8s.io) to pods/portforward: bytes both ways on one port's data channel, a closed
 * port's failure on its error channel. One cluster per runtime; the cases run concurrently.
 */
import { once } from "node:events";
import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { loadKubeconfig } from "../../src/api/index.js";
import { NAMESPACE, RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { eventually } from "../support/eventually.js";
import { kubectlVersion, localForwardPort, startKubectl } from "../support/kubectl-process.js";
import { pod, runningAndReady, shell } from "./pods.js";

const WEB =
  "mkdir -p /www && echo hello-through-websocket > /www/index.html && exec httpd -f -p 8080 -h /www";
/** Nothing listens there in the pod. */
const CLOSED_PORT = 9999;
/**
 * client-go's tunneling dialer logs the protocol the API server's WebSocket answer named, at -v=4
 * (1.32 and 1.33 word it so; later ones log "Negotiation complete" protocol="..."): only a tunnel
 * that was accepted gets there, a fallback to SPDY never does.
 */
const TUNNEL_NEGOTIATED =
  /negotiated protocol: portforward\.k8s\.io|Negotiation complete.*protocol="portforward\.k8s\.io"/;

const VERSIONS = [
  { version: "1.32", tunnel: true },
  { version: "1.33", tunnel: true },
  { version: "1.29", tunnel: false },
] as const;

/** One message of the port-forward protocol: its channel and payload. */
interface Message {
  readonly channel: number;
  readonly payload: Buffer;
}

describe.each(RUNTIMES)("port-forward over WebSocket on %s", (runtime) => {
  const cluster = useCluster(runtime);

  beforeAll(async () => {
    const c = cluster();
    await c.createPod(pod("web", { containers: [shell("app", WEB)] }));
    await c.waitForPod("web", runningAndReady, "Running", 60_000);
    await eventually("the agent server", async () =>
      (await c.kubectl("get", "--raw", `/api/v1/nodes/${c.nodeName}/proxy/healthz`)) === "ok"
        ? true
        : undefined,
    );
  }, 120_000);

  it.concurrent.each(VERSIONS)(
    "kubectl $version: port-forward carries HTTP to the pod",
    async ({ version, tunnel }) => {
      const c = cluster();
      const child = startKubectl(c, ["port-forward", "-v=4", "pod/web", ":8080"], {
        binary: kubectlVersion(Number(version.slice("1.".length))),
      });
      let log = "";
      child.stderr.on("data", (d: Buffer) => (log += d.toString()));
      try {
        const port = await localForwardPort(child);
        for (let i = 0; i < 2; i++) {
          const body = await eventually("HTTP through port-forward", async () => {
            const res = await fetch(`http://127.0.0.1:${port}/`);
            return res.ok ? res.text() : undefined;
          });
          expect(body).toBe("hello-through-websocket\n");
        }
        if (tunnel) expect(log).toMatch(TUNNEL_NEGOTIATED);
        else expect(log).not.toMatch(/tunneling_dialer/);
      } finally {
        child.kill("SIGTERM");
      }
    },
  );

  it.concurrent(
    "a WebSocket client: bytes both ways on a port, a closed port's error on its channel",
    async () => {
      const c = cluster();
      const conn = await loadKubeconfig(c.adminKubeconfig);
      const url = new URL(
        `/api/v1/namespaces/${NAMESPACE}/pods/web/portforward?ports=8080&ports=${CLOSED_PORT}`,
        conn.server.replace(/^http/, "ws"),
      );
      const ws = new WebSocket(url, ["v4.channel.k8s.io"], {
        perMessageDeflate: false,
        ...(conn.caPem !== undefined ? { ca: conn.caPem } : {}),
        ...(conn.certPem !== undefined ? { cert: conn.certPem, key: conn.keyPem } : {}),
        ...(conn.token !== undefined ? { headers: { authorization: `Bearer ${conn.token}` } } : {}),
      });
      const messages: Message[] = [];
      ws.on("message", (data: Buffer) =>
        messages.push({ channel: data[0] ?? -1, payload: data.subarray(1) }),
      );
      const closed = once(ws, "close");
      await once(ws, "open");
      expect(ws.protocol).toBe("v4.channel.k8s.io");
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("GET / HTTP/1.0\r\nHost: web\r\n\r\n")]));
      // The pod's server answers and closes; once both ports are done the agent ends the session.
      const [code] = (await closed) as [number];
      expect(code).toBe(1000);
      const text = (channel: number) =>
        Buffer.concat(messages.filter((m) => m.channel === channel).map((m) => m.payload)).toString("latin1");
      const prefix = (port: number) => Buffer.from([port & 0xff, port >> 8]).toString("latin1");
      // Channels 0 and 1 are port 8080's data and error, 2 and 3 the closed port's.
      expect(text(0).startsWith(prefix(8080))).toBe(true);
      expect(text(0).slice(2)).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
      expect(text(0)).toContain("hello-through-websocket\n");
      expect(text(1)).toBe(prefix(8080));
      expect(text(2)).toBe(prefix(CLOSED_PORT));
      // The agent's own server names the pod; containerd's streaming server, which the agent
      // relays to, names the sandbox.
      expect(text(3).startsWith(`${prefix(CLOSED_PORT)}error forwarding port ${CLOSED_PORT} to pod `)).toBe(
        true,
      );
      if (runtime === "docker") expect(text(3)).toContain(" to pod web, uid ");
    },
  );
});
