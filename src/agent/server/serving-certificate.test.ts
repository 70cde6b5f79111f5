import { X509Certificate } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { ManualClock, silentLogger } from "../../common/index.js";
import { createCa, issueForKey, readCertificateRequest } from "../../pki/index.js";
import { ServingCertificate, type ServingCertificateOptions } from "./serving-certificate.js";

const LIFETIME_S = 1000;

/** An API stand-in that signs every request at once (or denies it), with the clock's time. */
function fakeCluster(clock: ManualClock, deny = false) {
  const ca = createCa({ commonName: "cluster", validDays: 10, now: new Date(clock.now()) });
  const csrs = new Map<string, Record<string, unknown>>();
  const client = {
    async create<T>(_path: string, body: T): Promise<T> {
      const name = `csr-${csrs.size + 1}`;
      const spec = (body as { spec: { request: string } }).spec;
      const req = readCertificateRequest(Buffer.from(spec.request, "base64").toString());
      const status = deny
        ? { conditions: [{ type: "Denied", message: "names not reported" }] }
        : {
            certificate: Buffer.from(
              issueForKey(
                ca,
                {
                  commonName: req.subject.commonName,
                  ipAddresses: req.ipAddresses,
                  dnsNames: req.dnsNames,
                  usage: "server",
                  validDays: 1,
                  validSeconds: LIFETIME_S,
                  now: new Date(clock.now()),
                },
                req.spki,
              ),
            ).toString("base64"),
          };
      csrs.set(name, { metadata: { name }, spec, status });
      return { metadata: { name } } as T;
    },
    async get<T>(path: string): Promise<T> {
      return csrs.get(path.split("/").pop() ?? "") as T;
    },
  };
  return { ca, csrs, client };
}

async function options(clock: ManualClock, over: Partial<ServingCertificateOptions> = {}) {
  const cluster = fakeCluster(clock);
  const changes: string[] = [];
  const o: ServingCertificateOptions = {
    client: cluster.client,
    nodeName: "n1",
    names: { dnsNames: ["n1"], ipAddresses: ["10.0.0.5"] },
    dir: await mkdtemp(join(tmpdir(), "berth-serving-")),
    bootstrap: true,
    clusterCaPem: cluster.ca.certPem,
    clock,
    logger: silentLogger(),
    onChange: (pair) => changes.push(pair.certPem),
    random: () => 0,
    ...over,
  };
  return { o, cluster, changes };
}

describe("ServingCertificate", () => {
  it("gets a cluster-signed certificate, then renews it at 70% of its validity", async () => {
    const clock = new ManualClock();
    const { o, cluster, changes } = await options(clock);
    const abort = new AbortController();
    const cert = new ServingCertificate(o);
    const pair = await cert.start(abort.signal);
    const x = new X509Certificate(pair.certPem);
    expect(x.verify(new X509Certificate(cluster.ca.certPem).publicKey)).toBe(true);
    expect(x.checkIP("10.0.0.5")).toBe("10.0.0.5");
    expect(cluster.csrs.size).toBe(1);
    const deadline = cert.deadline(pair.certPem);
    await clock.advance(deadline - clock.now() - 1);
    expect(cluster.csrs.size).toBe(1);
    await clock.advance(2);
    // The new pair is saved to disk before it is used.
    await vi.waitFor(() => expect(changes).toHaveLength(2));
    expect(cluster.csrs.size).toBe(2);
    expect(cert.current?.certPem).toBe(changes[1]);
    abort.abort();
  });

  it("reuses a stored certificate the cluster signed", async () => {
    const clock = new ManualClock();
    const { o, cluster } = await options(clock);
    const abort = new AbortController();
    await new ServingCertificate(o).start(abort.signal);
    await new ServingCertificate(o).start(abort.signal);
    expect(cluster.csrs.size).toBe(1);
    abort.abort();
  });

  it("fails with the denial's message", async () => {
    const clock = new ManualClock();
    const denied = fakeCluster(clock, true);
    const { o } = await options(clock, { client: denied.client, clusterCaPem: denied.ca.certPem });
    await expect(new ServingCertificate(o).start(new AbortController().signal)).rejects.toThrow(
      /was denied: names not reported/,
    );
  });

  it("serves a self-signed certificate only without bootstrap", async () => {
    const clock = new ManualClock();
    const { o, cluster } = await options(clock, { bootstrap: false });
    const pair = await new ServingCertificate(o).start(new AbortController().signal);
    expect(cluster.csrs.size).toBe(0);
    expect(new X509Certificate(pair.certPem).verify(new X509Certificate(cluster.ca.certPem).publicKey)).toBe(
      false,
    );
  });
});
