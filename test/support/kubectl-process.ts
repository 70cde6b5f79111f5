/** A kubectl process against a test cluster: its exit code and output, with stdin and a deadline. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { KUBECTL, type TestCluster } from "./cluster.js";

/** kubectl 1.MINOR from the google-cloud-sdk set (1.27 to 1.33) that scripts/runtime-env.sh installs. */
export function kubectlVersion(minor: number): string {
  return `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;
}

export interface KubectlRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin, which is then closed. */
  readonly stdin?: string;
  /** Killed with SIGTERM after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Another kubectl binary (default the dispatcher /usr/bin/kubectl). */
  readonly binary?: string;
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Wraps the command line, for example in `script` to give kubectl a terminal. */
  readonly program?: (commandLine: string) => string[];
}

function kubectlArgv(c: TestCluster, args: readonly string[], binary: string): string[] {
  return [binary, "--kubeconfig", c.adminKubeconfig, "--cache-dir", join(c.dir, "kubectl-cache"), ...args];
}

/** Starts kubectl; the caller reads and ends it. */
export function startKubectl(
  c: TestCluster,
  args: readonly string[],
  options: Omit<KubectlOptions, "stdin" | "timeoutMs"> = {},
): ChildProcessWithoutNullStreams {
  const argv = kubectlArgv(c, args, options.binary ?? KUBECTL);
  const [cmd, ...rest] = options.program?.(argv.join(" ")) ?? argv;
  return spawn(cmd ?? KUBECTL, rest, {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
}

/** Runs kubectl to its end. */
export function runKubectl(
  c: TestCluster,
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<KubectlRun> {
  const child = startKubectl(c, args, options);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 30_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** `kubectl port-forward ... :PORT` started; resolves with the local port once it listens. */
export function localForwardPort(child: ChildProcessWithoutNullStreams): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /127\.0\.0\.1:(\d+) ->/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
    });
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", () => reject(new Error(`port-forward ended: ${out}`)));
  });
}
