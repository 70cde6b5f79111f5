/**
 * dockerode, loaded without the parts berth never calls, each of which would load code and memory
 * the agent does not need as dockerode loads:
 * - ssh2, which docker-modem requires for `ssh://` Docker hosts. ssh2 instantiates a WebAssembly
 *   module (poly1305) as it loads: 2.8 MiB, and a crash under `--jitless`, which has no
 *   WebAssembly. berth reaches Docker over `unix://` and `tcp://` only (endpoint.ts).
 * - dockerode's BuildKit session (lib/session.js), used only by `buildImage` with BuildKit, which
 *   berth does not call. It requires @grpc/grpc-js and @grpc/proto-loader with protobufjs: about
 *   5 MiB of a fresh process's memory under the agent's flags (docs/agent.md "Memory").
 * A stand-in takes each one's place in the CommonJS cache before dockerode loads; it loads the
 * real module the first time it is used (an ssh2 Client made, a session opened).
 */
import { createRequire } from "node:module";
import type Docker from "dockerode";

const require = createRequire(import.meta.url);

let dockerode: typeof Docker | undefined;

export function loadDockerode(): typeof Docker {
  if (dockerode !== undefined) return dockerode;
  const ssh2Path = createRequire(require.resolve("docker-modem")).resolve("ssh2");
  standIn(ssh2Path, (real) => {
    class Client {
      constructor(...args: unknown[]) {
        // A constructor that returns an object makes `new Client()` that object.
        return new (real() as { Client: new (...args: unknown[]) => object }).Client(...args);
      }
    }
    return { Client };
  });
  const sessionPath = createRequire(require.resolve("dockerode")).resolve("./session");
  standIn(sessionPath, (real) => {
    return function withSession(...args: unknown[]): unknown {
      return (real() as (...args: unknown[]) => unknown)(...args);
    };
  });
  dockerode = require("dockerode") as typeof Docker;
  return dockerode;
}

/**
 * Puts a module into the CommonJS cache at `path` whose exports `make` builds; `real()`, called
 * from those exports when they are used, drops the stand-in and loads the module at `path`.
 */
function standIn(path: string, make: (real: () => unknown) => unknown): void {
  if (require.cache[path] !== undefined) return;
  let loaded: unknown;
  const real = (): unknown => {
    if (loaded === undefined) {
      delete require.cache[path];
      loaded = require(path);
    }
    return loaded;
  };
  const Module = process.getBuiltinModule("node:module").Module;
  const module = new Module(path);
  module.filename = path;
  module.loaded = true;
  module.exports = make(real);
  require.cache[path] = module;
}
