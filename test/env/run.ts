import { execFile } from "node:child_process";
import { request } from "node:http";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion; a non-zero exit is a result, not an exception. */
export function run(file: string, args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== "number") {
        reject(new Error(`${file} ${args.join(" ")}: ${err.message}\n${stderr}`));
        return;
      }
      resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
    });
  });
}

/** The unix socket path of a unix:///path endpoint. */
export function socketPath(endpoint: string): string {
  if (!endpoint.startsWith("unix://")) throw new Error(`not a unix endpoint: ${endpoint}`);
  return endpoint.slice("unix://".length);
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface HttpOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
}

/** An HTTP request over TCP (url) or a unix socket (socket + path), body read to the end. */
export function httpGet(
  target: { url: string } | { socket: string; path: string },
  options: HttpOptions = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const common = { method: options.method ?? "GET", headers: options.headers ?? {}, timeout: 60_000 };
    const req =
      "url" in target
        ? request(target.url, common)
        : request({ ...common, socketPath: target.socket, path: target.path, host: "localhost" });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** Debian's docker CLI (another `docker` may come first on PATH). */
export const DOCKER_CLI = "/usr/bin/docker";
