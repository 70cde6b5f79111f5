/**
 * The Node built-ins the agent's code loads, checked on the build (dist/) in a process of its own:
 * the agent's command, both runtime adapters and the metrics module, imported as the agent imports
 * them. Node's bundled undici (fetch, WebSocket) and the web streams it brings must stay out: an ESM
 * import of node:http loads them with the module's namespace, about 3 MiB of the agent's memory
 * (docs/agent.md "Memory"), and nothing on the agent's path needs them. And the Docker adapter loads
 * dockerode without gRPC: dockerode's BuildKit session would bring @grpc/grpc-js, proto-loader and
 * protobufjs, which only the containerd adapter needs. The containerd adapter itself speaks gRPC
 * through @grpc/grpc-js with berth's own codec (src/runtime/cri/codec.ts): proto-loader and
 * protobufjs, about 3 MiB to load, stay out there too.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cluster-process.js";

const run = promisify(execFile);

const AGENT_MODULES = [
  "dist/cli/agent.js",
  "dist/runtime/cri/index.js",
  "dist/runtime/docker/index.js",
  "dist/agent/server/metrics.js",
];

/** Built-ins that only undici and what it pulls in would load. */
const UNWANTED = /^NativeModule internal\/(deps\/undici|webstreams)\//;

describe("modules the agent loads", () => {
  it("leaves Node's bundled undici and the web streams out", async () => {
    const imports = AGENT_MODULES.map(
      (m) => `await import(${JSON.stringify(pathToFileURL(join(REPO_ROOT, m)).href)});`,
    );
    const script = `${imports.join("\n")}\nconsole.log(JSON.stringify(process.moduleLoadList));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT });
    const loaded = JSON.parse(stdout) as string[];
    expect(loaded.filter((m) => m.startsWith("NativeModule ")).length).toBeGreaterThan(100);
    expect(loaded.filter((m) => UNWANTED.test(m))).toEqual([]);
  });

  it("loads dockerode on Docker without gRPC or protobufjs", async () => {
    const module = pathToFileURL(join(REPO_ROOT, "dist/runtime/docker/dockerode.js")).href;
    const script = [
      `const { loadDockerode } = await import(${JSON.stringify(module)});`,
      "loadDockerode();",
      `const { createRequire } = await import("node:module");`,
      "console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));",
    ].join("\n");
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT });
    const files = JSON.parse(stdout) as string[];
    expect(files.filter((f) => f.includes("/node_modules/dockerode/"))).not.toEqual([]);
    expect(files.filter((f) => /\/node_modules\/(@grpc|protobufjs)\//.test(f))).toEqual([]);
  });

  it("talks CRI on containerd through grpc-js without proto-loader or protobufjs", async () => {
    const module = pathToFileURL(join(REPO_ROOT, "dist/runtime/cri/index.js")).href;
    const script = [
      `const { createCriRuntime } = await import(${JSON.stringify(module)});`,
      `const runtime = createCriRuntime({ endpoint: "unix:///nonexistent/berth-test.sock", timeoutMs: 2000 });`,
      "const err = await runtime.version().then(() => undefined, (e) => e);",
      "if (err === undefined) throw new Error('a CRI call to no socket answered');",
      `const { createRequire } = await import("node:module");`,
      "console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));",
      "process.exit(0);",
    ].join("\n");
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT });
    const files = JSON.parse(stdout) as string[];
    expect(files.filter((f) => f.includes("/node_modules/@grpc/grpc-js/"))).not.toEqual([]);
    expect(files.filter((f) => /\/node_modules\/(@grpc\/proto-loader|protobufjs)\//.test(f))).toEqual([]);
  });
});
