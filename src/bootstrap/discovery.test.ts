import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/index.js";
import { createCa, issueCertificate } from "../pki/index.js";
import { caCertHash, checkCaCertHashes, discoverClusterCa } from "./discovery.js";

const ca = createCa({ commonName: "berth-ca", validDays: 1 });
const serving = issueCertificate(ca, {
  commonName: "kube-apiserver",
  dnsNames: ["localhost"],
  ipAddresses: ["127.0.0.1"],
  usage: "server",
  validDays: 1,
});
let server: Server | undefined;

async function listen(cert: string): Promise<string> {
  server = createServer({ key: serving.keyPem, cert }, (_req, res) => res.end());
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  const open = server;
  server = undefined;
  if (open !== undefined) await new Promise((resolve) => open.close(resolve));
});

describe("discoverClusterCa", () => {
  it("takes the CA from the served chain and checks its pin", async () => {
    const url = await listen(`${serving.certPem.trimEnd()}\n${ca.certPem}`);
    const hash = caCertHash(ca.certPem);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await discoverClusterCa(url, [hash])).trim()).toBe(ca.certPem.trim());
    expect((await discoverClusterCa(url, [])).trim()).toBe(ca.certPem.trim());
    const err: unknown = await discoverClusterCa(url, [`sha256:${"0".repeat(64)}`]).catch((e: unknown) => e);
    expect(hasCode(err, ErrorCode.Forbidden)).toBe(true);
  });

  it("refuses a server whose chain holds no CA", async () => {
    const url = await listen(serving.certPem);
    await expect(discoverClusterCa(url, [])).rejects.toThrow(/presents no CA certificate/);
  });

  it("checks the form of the pins", () => {
    expect(() => checkCaCertHashes(["sha256:abc"])).toThrow(/sha256:<64 hex digits>/);
    expect(() => checkCaCertHashes([caCertHash(ca.certPem)])).not.toThrow();
  });
});
