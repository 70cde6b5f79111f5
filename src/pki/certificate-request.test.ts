import { X509Certificate, createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCa, issueForKey } from "./certificate.js";
import { createCertificateRequest, readCertificateRequest } from "./certificate-request.js";

describe("certificate signing requests", () => {
  it("round-trips subject and names, and a CA signs the requester's key", () => {
    const req = createCertificateRequest({
      commonName: "system:node:n1",
      organizations: ["system:nodes"],
      dnsNames: ["n1"],
      ipAddresses: ["10.0.0.5", "fd00::1"],
    });
    const read = readCertificateRequest(req.csrPem);
    expect(read.subject).toEqual({ commonName: "system:node:n1", organizations: ["system:nodes"] });
    expect(read.dnsNames).toEqual(["n1"]);
    expect(read.ipAddresses).toEqual(["10.0.0.5", "fd00::1"]);
    const ca = createCa({ commonName: "ca", validDays: 10 });
    const certPem = issueForKey(
      ca,
      {
        commonName: read.subject.commonName,
        dnsNames: read.dnsNames,
        ipAddresses: read.ipAddresses,
        usage: "server",
        validDays: 1,
      },
      read.spki,
    );
    const cert = new X509Certificate(certPem);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkIP("10.0.0.5")).toBe("10.0.0.5");
    expect(cert.checkPrivateKey(createPrivateKey(req.keyPem))).toBe(true);
  });

  it("refuses a request whose signature was tampered with", () => {
    const req = createCertificateRequest({ commonName: "a", dnsNames: ["a"] });
    const der = Buffer.from(req.csrPem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff;
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => readCertificateRequest(pem)).toThrow(/signature|cannot read/);
    expect(() => readCertificateRequest("junk")).toThrow(/PEM/);
  });
});
