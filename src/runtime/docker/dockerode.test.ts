import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { loadDockerode } from "./dockerode.js";

const require = createRequire(import.meta.url);

describe("loadDockerode", () => {
  it("loads dockerode with a stand-in for ssh2 that loads the real one only when a Client is made", () => {
    const ssh2Path = createRequire(require.resolve("docker-modem")).resolve("ssh2");
    const Docker = loadDockerode();
    expect(new Docker({ socketPath: "/nonexistent/docker.sock" })).toBeInstanceOf(Docker);
    const standIn = require.cache[ssh2Path];
    expect(standIn?.children).toEqual([]);
    // ssh2's own files (its protocol and WebAssembly poly1305) are not loaded.
    const ssh2Dir = ssh2Path.slice(0, ssh2Path.lastIndexOf("/lib/"));
    expect(Object.keys(require.cache).filter((p) => p.startsWith(`${ssh2Dir}/lib/protocol`))).toEqual([]);

    const { Client } = standIn?.exports as { Client: new () => { constructor: { name: string } } };
    const client = new Client();
    expect(client.constructor.name).toBe("Client");
    expect(client).toBeInstanceOf((require(ssh2Path) as { Client: new () => object }).Client);
    expect(loadDockerode()).toBe(Docker);
  });

  it("loads dockerode with a stand-in for its BuildKit session that loads the real one when a session opens", async () => {
    const sessionPath = createRequire(require.resolve("dockerode")).resolve("./session");
    loadDockerode();
    const standIn = require.cache[sessionPath];
    expect(standIn?.children).toEqual([]);

    // The real withSession dials Docker through the modem first; a dial that fails reaches the handler.
    const withSession = standIn?.exports as (
      docker: unknown,
      auth: unknown,
      handler: (err: Error | null) => void,
    ) => void;
    const dialled: unknown[] = [];
    const docker = {
      modem: {
        dial: (opts: unknown, callback: (err: Error) => void) => {
          dialled.push(opts);
          callback(new Error("no Docker here"));
        },
      },
    };
    const err = await new Promise<Error | null>((resolve) => withSession(docker, undefined, resolve));
    expect(err?.message).toBe("no Docker here");
    expect(dialled).toEqual([expect.objectContaining({ method: "POST", path: "/session", hijack: true })]);
    expect(require.cache[sessionPath]?.exports).not.toBe(withSession);
  });
});
