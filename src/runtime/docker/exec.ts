/**
 * exec through Docker: an exec instance started with a hijacked connection that carries stdin one
 * way and (without a TTY) multiplexed stdout/stderr frames the other. The exit code comes from
 * inspecting the exec once its output has ended. Docker cannot kill an exec'd process: on a
 * timeout the connection is dropped and the process is left to finish, as dockershim did.
 */
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { BerthError, ErrorCode } from "../../common/index.js";
import type { AttachStreamOptions, ExecStreamOptions, ExecStreamResult, ExecSyncResult } from "../types.js";
import { fromDockerError } from "./errors.js";
import { FrameDecoder } from "./stdcopy.js";

/** How long to wait for Docker to record an exec's exit after its output has ended. */
const EXIT_CODE_WAIT_MS = 5_000;
const EXIT_CODE_POLL_MS = 20;

function execError(err: unknown, id: string): BerthError {
  if ((err as { statusCode?: number } | undefined)?.statusCode === 409) {
    return new BerthError(ErrorCode.Conflict, `exec in container "${id}": container is not running`, {
      cause: err,
    });
  }
  return fromDockerError(err, "exec", `exec in container "${id}"`);
}

async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  const deadline = Date.now() + EXIT_CODE_WAIT_MS;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    if (Date.now() > deadline) {
      throw new BerthError(
        ErrorCode.Internal,
        `exec ${exec.id}: output ended but the process is still running`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, EXIT_CODE_POLL_MS));
  }
}

type Sink = (stream: "stdout" | "stderr", data: Buffer) => void | Promise<void>;

/** A sink writing to the caller's streams, waiting for "drain" when one is full. */
function streamSink(stdout?: NodeJS.WritableStream, stderr?: NodeJS.WritableStream): Sink {
  return async (stream, data) => {
    const target = stream === "stdout" ? stdout : stderr;
    if (target && !target.write(data)) {
      await new Promise<void>((resolve) => target.once("drain", () => resolve()));
    }
  };
}

/** Copies the output of a hijacked exec connection until it ends; a TTY's output is all stdout. */
async function pump(socket: Duplex, tty: boolean, sink: Sink): Promise<void> {
  const decoder = new FrameDecoder();
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    if (tty) {
      await sink("stdout", chunk);
      continue;
    }
    for (const frame of decoder.push(chunk)) {
      if (frame.stream === "stdout" || frame.stream === "stderr") await sink(frame.stream, frame.payload);
    }
  }
}

export async function execSync(
  docker: Docker,
  id: string,
  cmd: readonly string[],
  timeoutSeconds: number,
): Promise<ExecSyncResult> {
  if (cmd.length === 0) throw new BerthError(ErrorCode.Invalid, "exec: the command must not be empty");
  const output = { stdout: [] as Buffer[], stderr: [] as Buffer[] };

  let exec: Docker.Exec;
  let socket: Duplex;
  try {
    exec = await docker
      .getContainer(id)
      .exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true, Tty: false });
    socket = (await exec.start({ hijack: true, stdin: false })) as Duplex;
  } catch (err) {
    throw execError(err, id);
  }

  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  if (timeoutSeconds > 0) {
    timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutSeconds * 1000);
  }
  try {
    await pump(socket, false, (stream, data) => void output[stream].push(data)).catch((err: unknown) => {
      if (!timedOut) throw err;
    });
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) {
    throw new BerthError(
      ErrorCode.DeadlineExceeded,
      `exec in container "${id}" did not finish within ${timeoutSeconds}s: ${cmd.join(" ")}`,
    );
  }
  try {
    const exitCode = await exitCodeOf(exec);
    return { stdout: Buffer.concat(output.stdout), stderr: Buffer.concat(output.stderr), exitCode };
  } catch (err) {
    throw execError(err, id);
  }
}

export async function execStream(
  docker: Docker,
  id: string,
  options: ExecStreamOptions,
): Promise<ExecStreamResult> {
  if (options.cmd.length === 0)
    throw new BerthError(ErrorCode.Invalid, "exec: the command must not be empty");
  const { tty, stdin, stdout, stderr, signal } = options;
  let exec: Docker.Exec;
  let socket: Duplex;
  try {
    exec = await docker.getContainer(id).exec({
      Cmd: [...options.cmd],
      AttachStdin: stdin !== undefined,
      AttachStdout: stdout !== undefined,
      AttachStderr: stderr !== undefined && !tty,
      Tty: tty,
    });
    socket = (await exec.start({ hijack: true, stdin: stdin !== undefined, Tty: tty })) as Duplex;
  } catch (err) {
    throw execError(err, id);
  }

  const abort = (): void => void socket.destroy();
  if (signal?.aborted) abort();
  signal?.addEventListener("abort", abort, { once: true });

  const onData = (chunk: Buffer | string): void => {
    if (!socket.destroyed) socket.write(chunk);
  };
  const onEnd = (): void => {
    if (!socket.destroyed) socket.end();
  };
  stdin?.on("data", onData);
  stdin?.once("end", onEnd);
  if (tty && options.resize) {
    const sizes = options.resize;
    void (async () => {
      for await (const size of sizes) {
        if (socket.destroyed) break;
        await exec.resize({ h: size.height, w: size.width }).catch(() => undefined);
      }
    })();
  }

  try {
    await pump(socket, tty, streamSink(stdout, stderr)).catch((err: unknown) => {
      if (!signal?.aborted) throw err;
    });
  } finally {
    signal?.removeEventListener("abort", abort);
    // The caller's stdin outlives the session: leave nothing attached to it.
    stdin?.removeListener("data", onData);
    stdin?.removeListener("end", onEnd);
  }
  if (signal?.aborted) {
    throw new BerthError(ErrorCode.DeadlineExceeded, `exec in container "${id}" was cancelled`, {
      cause: signal.reason,
    });
  }
  try {
    return { exitCode: await exitCodeOf(exec) };
  } catch (err) {
    throw execError(err, id);
  }
}

/** attach through Docker: a hijacked attach connection to the container's main process. */
export async function attachStream(docker: Docker, id: string, options: AttachStreamOptions): Promise<void> {
  const { tty, stdin, stdout, stderr, signal } = options;
  const container = docker.getContainer(id);
  let socket: Duplex;
  try {
    socket = (await container.attach({
      stream: true,
      hijack: true,
      stdin: stdin !== undefined,
      stdout: stdout !== undefined,
      stderr: stderr !== undefined,
    })) as unknown as Duplex;
  } catch (err) {
    throw fromDockerError(err, "container", `attach to container "${id}"`);
  }
  const abort = (): void => void socket.destroy();
  if (signal?.aborted) abort();
  signal?.addEventListener("abort", abort, { once: true });
  const onData = (chunk: Buffer | string): void => {
    if (!socket.destroyed) socket.write(chunk);
  };
  stdin?.on("data", onData);
  if (tty && options.resize) {
    const sizes = options.resize;
    void (async () => {
      for await (const size of sizes) {
        if (socket.destroyed) break;
        await container.resize({ h: size.height, w: size.width }).catch(() => undefined);
      }
    })();
  }
  try {
    await pump(socket, tty, streamSink(stdout, stderr)).catch((err: unknown) => {
      if (!signal?.aborted) throw err;
    });
  } finally {
    signal?.removeEventListener("abort", abort);
    stdin?.removeListener("data", onData);
  }
}
