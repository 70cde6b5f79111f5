/**
 * dockerode, loaded without ssh2. docker-modem requires ssh2 as it loads, for `ssh://` Docker
 * hosts, and ssh2 instantiates a WebAssembly module (poly1305) as it loads: memory the agent does
 * not need, and a crash under `--jitless`, which has no WebAssembly. berth reaches Docker over
 * `unix://` and `tcp://` only (endpoint.ts), so a stand-in takes ssh2's place in the CommonJS
 * cache before dockerode loads; it would load the real ssh2 if a Client were ever made.
 */
import { createRequire } from "node:module";
import type Docker from "dockerode";

const require = createRequire(import.meta.url);

let dockerode: typeof Docker | undefined;

export function loadDockerode(): typeof Docker {
  if (dockerode !== undefined) return dockerode;
  const ssh2Path = createRequire(require.resolve("docker-modem")).resolve("ssh2");
  if (require.cache[ssh2Path] === undefined) {
    let real: { Client: new (...args: unknown[]) => object } | undefined;
    const loadReal = () => {
      if (real === undefined) {
        delete require.cache[ssh2Path];
        real = require(ssh2Path) as { Client: new (...args: unknown[]) => object };
      }
      return real;
    };
    class Client {
      constructor(...args: unknown[]) {
        // A constructor that returns an object makes `new Client()` that object.
        return new (loadReal().Client)(...args);
      }
    }
    const Module = process.getBuiltinModule("node:module").Module;
    const standIn = new Module(ssh2Path);
    standIn.filename = ssh2Path;
    standIn.loaded = true;
    standIn.exports = { Client };
    require.cache[ssh2Path] = standIn;
  }
  dockerode = require("dockerode") as typeof Docker;
  return dockerode;
}
