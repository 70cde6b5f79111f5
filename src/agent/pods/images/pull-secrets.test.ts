import type { ISecret } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { hasCode } from "../../../common/index.js";
import { credentialsFor, imageLocation, parsePullSecret } from "./pull-secrets.js";

function secret(config: unknown, key = ".dockerconfigjson"): ISecret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "regcred", namespace: "default" },
    type: "kubernetes.io/dockerconfigjson",
    data: { [key]: Buffer.from(JSON.stringify(config)).toString("base64") },
  };
}

const b64 = (s: string): string => Buffer.from(s).toString("base64");

describe("imageLocation", () => {
  it("splits host and path, defaulting to docker.io", () => {
    expect(imageLocation("127.0.0.1:5000/berth/test:1.0")).toEqual({
      host: "127.0.0.1:5000",
      path: "berth/test",
    });
    expect(imageLocation("busybox:1.36")).toEqual({ host: "docker.io", path: "library/busybox" });
    expect(imageLocation("index.docker.io/library/busybox")).toEqual({
      host: "docker.io",
      path: "library/busybox",
    });
    expect(imageLocation(`localhost/x@sha256:${"a".repeat(64)}`)).toEqual({ host: "localhost", path: "x" });
  });
});

describe("parsePullSecret and credentialsFor", () => {
  it("decodes auth and username/password entries and matches the registry", () => {
    const creds = parsePullSecret(
      secret({
        auths: {
          "127.0.0.1:5000": { auth: b64("alice:s3cret") },
          "https://other:5000/v1/": { username: "bob", password: "pw" },
        },
      }),
    );
    const found = credentialsFor("127.0.0.1:5000/private/app:1", creds);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      username: "alice",
      password: "s3cret",
      serverAddress: "127.0.0.1:5000",
    });
    expect(credentialsFor("other:5000/x:1", creds)[0]).toMatchObject({ username: "bob", password: "pw" });
    expect(credentialsFor("third:5000/x:1", creds)).toEqual([]);
  });

  it("prefers a longer path and honours *. host patterns", () => {
    const creds = parsePullSecret(
      secret({
        auths: {
          "reg.example.com": { username: "host", password: "p" },
          "reg.example.com/team": { username: "team", password: "p" },
          "*.example.com": { username: "wild", password: "p" },
        },
      }),
    );
    expect(credentialsFor("reg.example.com/team/app:1", creds).map((a) => a.username)).toEqual([
      "team",
      "host",
      "wild",
    ]);
    expect(credentialsFor("reg.example.com/teamx/app:1", creds).map((a) => a.username)).toEqual([
      "host",
      "wild",
    ]);
    expect(credentialsFor("a.b.example.com/app:1", creds)).toEqual([]);
  });

  it("reads the legacy .dockercfg layout and Docker Hub keys", () => {
    const creds = parsePullSecret(
      secret({ "https://index.docker.io/v1/": { auth: b64("u:p") } }, ".dockercfg"),
    );
    expect(credentialsFor("busybox:latest", creds)[0]).toMatchObject({ username: "u", password: "p" });
  });

  it("refuses malformed secrets with Invalid", () => {
    const bad = [
      { ...secret({}), data: {} },
      { ...secret({}), data: { ".dockerconfigjson": b64("{not json") } },
      secret({ auths: [] }),
      secret({ auths: { reg: { auth: b64("nocolon") } } }),
    ];
    for (const s of bad) {
      let caught: unknown;
      try {
        parsePullSecret(s);
      } catch (err) {
        caught = err;
      }
      expect(hasCode(caught, "Invalid")).toBe(true);
    }
  });
});
