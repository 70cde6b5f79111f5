import { X509Certificate, createPrivateKey } from "node:crypto";
import type { AddressInfo } from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { createCa, issueCertificate, subjectOf, type CertificateKeyPair } from "./index.js";

const ca = createCa({ commonName: "berth-test-ca", validDays: 30 });
const serving = issueCertificate(ca, {
  commonName: "berth-apiserver",
  dnsNames: ["localhost", "berth.internal"],
  ipAddresses: ["127.0.0.1", "::1"],
  usage: "server",
  validDays: 30,
});
const admin = issueCertificate(ca, {
  commonName: "alice",
  organizations: ["system:masters", "dev"],
  usage: "client",
  validDays: 30,
});

describe("createCa / issueCertificate", () => {
  it("produces certificates node:crypto parses, with the requested fields", () => {
    const caCert = new X509Certificate(ca.certPem);
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe("CN=berth-test-ca");
    expect(caCert.issuer).toBe("CN=berth-test-ca");
    expect(caCert.checkIssued(caCert)).toBe(true);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(caCert.keyUsage).toBeUndefined(); // node reports extKeyUsage only; CA has none

    const cert = new X509Certificate(serving.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe("CN=berth-apiserver");
    expect(cert.issuer).toBe("CN=berth-test-ca");
    expect(cert.subjectAltName).toBe(
      "DNS:localhost, DNS:berth.internal, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    );
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkHost("berth.internal")).toBe("berth.internal");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkPrivateKey(createPrivateKey(serving.keyPem))).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(days).toBeGreaterThan(30);
    expect(days).toBeLessThan(30.01);

    const client = new X509Certificate(admin.certPem);
    expect(client.subject).toBe("O=system:masters\nO=dev\nCN=alice");
    expect(client.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(client.subjectAltName).toBeUndefined();
  });

  it("does not verify against another CA", () => {
    const other = new X509Certificate(createCa({ commonName: "other", validDays: 1 }).certPem);
    const cert = new X509Certificate(serving.certPem);
    expect(cert.checkIssued(other)).toBe(false);
    expect(cert.verify(other.publicKey)).toBe(false);
  });

  it("honours an explicit start time, back-dated for skew, and far-future GeneralizedTime", () => {
    const now = new Date("2049-12-31T00:00:00Z");
    const cert = new X509Certificate(
      issueCertificate(ca, { commonName: "x", usage: "client", validDays: 3650, now }).certPem,
    );
    expect(new Date(cert.validFrom).toISOString()).toBe("2049-12-30T23:55:00.000Z");
    expect(new Date(cert.validTo).toISOString()).toBe("2059-12-29T00:00:00.000Z");
  });

  it("rejects bad options with a clear Invalid error", () => {
    const bad = (f: () => unknown, msg: RegExp): void =>
      expect(f).toThrow(expect.objectContaining({ code: "Invalid", message: expect.stringMatching(msg) }));
    bad(() => createCa({ commonName: "", validDays: 1 }), /commonName/);
    bad(() => createCa({ commonName: "a", validDays: 0 }), /validDays/);
    bad(() => createCa({ commonName: "a", validDays: 1.5 }), /validDays/);
    bad(() => issueCertificate(ca, { commonName: "a", usage: "server", validDays: 1 }), /DNS name or IP/);
    bad(
      () => issueCertificate(ca, { commonName: "a", dnsNames: ["bad name"], usage: "server", validDays: 1 }),
      /"bad name" is not a DNS name/,
    );
    bad(
      () =>
        issueCertificate(ca, { commonName: "a", ipAddresses: ["300.1.1.1"], usage: "server", validDays: 1 }),
      /not an IP address/,
    );
    bad(
      () => issueCertificate(ca, { commonName: "a", usage: "peer" as "server", validDays: 1 }),
      /usage must be/,
    );
    bad(() => issueCertificate(serving, { commonName: "a", usage: "client", validDays: 1 }), /not a CA/);
    bad(
      () =>
        issueCertificate(
          { certPem: ca.certPem, keyPem: admin.keyPem },
          { commonName: "a", usage: "client", validDays: 1 },
        ),
      /does not belong/,
    );
    bad(
      () =>
        issueCertificate(
          { certPem: "junk", keyPem: ca.keyPem },
          { commonName: "a", usage: "client", validDays: 1 },
        ),
      /cannot be read/,
    );
  });
});

describe("subjectOf", () => {
  it("reads CN and every O from PEM, DER and X509Certificate", () => {
    const want = { commonName: "alice", organizations: ["system:masters", "dev"] };
    expect(subjectOf(admin.certPem)).toEqual(want);
    expect(subjectOf(new X509Certificate(admin.certPem))).toEqual(want);
    expect(subjectOf(new X509Certificate(admin.certPem).raw)).toEqual(want);
    expect(subjectOf({})).toBeUndefined();
  });

  it("throws BadRequest for a malformed certificate", () => {
    expect(() => subjectOf(Buffer.from([0x30, 0x03, 0x02, 0x01]))).toThrow(
      expect.objectContaining({ code: "BadRequest" }),
    );
  });
});

describe("TLS with the issued certificates", () => {
  let server: tls.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  interface Seen {
    readonly authorized: boolean;
    readonly subject: ReturnType<typeof subjectOf>;
    readonly error?: string;
  }

  async function serve(rejectUnauthorized = true): Promise<{ port: number; seen: Promise<Seen> }> {
    let report: (s: Seen) => void = () => undefined;
    const seen = new Promise<Seen>((resolve) => (report = resolve));
    server = tls.createServer(
      {
        cert: serving.certPem,
        key: serving.keyPem,
        ca: [ca.certPem],
        requestCert: true,
        rejectUnauthorized,
      },
      (socket) => {
        report({
          authorized: socket.authorized,
          subject: subjectOf(socket.getPeerCertificate()),
          ...(socket.authorizationError ? { error: String(socket.authorizationError) } : {}),
        });
        socket.end("hello");
      },
    );
    const s = server;
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    return { port: (s.address() as AddressInfo).port, seen };
  }

  function connect(
    port: number,
    trust: string,
    client?: CertificateKeyPair,
    host = "127.0.0.1",
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: "127.0.0.1",
        port,
        servername: host === "127.0.0.1" ? undefined : host,
        ca: [trust],
        ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
      });
      let data = "";
      socket.on("data", (d: Buffer) => (data += d.toString()));
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
  }

  it("a client trusting only the CA accepts the server, and the server reads the client's user and groups", async () => {
    const { port, seen } = await serve();
    await expect(connect(port, ca.certPem, admin)).resolves.toBe("hello");
    await expect(seen).resolves.toEqual({
      authorized: true,
      subject: { commonName: "alice", organizations: ["system:masters", "dev"] },
    });
    await expect(connect(port, ca.certPem, admin, "berth.internal")).resolves.toBe("hello");
  });

  it("a client trusting another CA rejects the server", async () => {
    const { port } = await serve();
    const other = createCa({ commonName: "other", validDays: 1 });
    await expect(connect(port, other.certPem, admin)).rejects.toThrow(/certificate/i);
  });

  it("a name outside the SANs is rejected", async () => {
    const { port } = await serve();
    await expect(connect(port, ca.certPem, admin, "elsewhere.example")).rejects.toThrow(/altnames|Hostname/i);
  });

  it("the server refuses a client certificate from another CA", async () => {
    const other = createCa({ commonName: "other", validDays: 1 });
    const stranger = issueCertificate(other, { commonName: "mallory", usage: "client", validDays: 1 });
    // Enforcing: the connection never reaches the application.
    const enforcing = await serve();
    const outcome = await connect(enforcing.port, ca.certPem, stranger).catch((err: unknown) => err);
    expect(outcome).not.toBe("hello");
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    // Observing: the server sees why.
    const observing = await serve(false);
    await connect(observing.port, ca.certPem, stranger);
    const seen = await observing.seen;
    expect(seen.authorized).toBe(false);
    expect(seen.error).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });
});
