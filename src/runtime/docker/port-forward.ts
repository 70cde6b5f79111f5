/**
 * Port-forward on Docker (dockershim's PortForward): a connection to the port on the loopback of
 * the sandbox's network namespace, made by a netcat run inside that namespace with nsenter
 * (dockershim used socat the same way). Needs nsenter and busybox on the host.
 */
import { Duplex } from "node:stream";
import { BerthError, ErrorCode, errorMessage } from "../../common/index.js";

/** The host programs used; busybox-static provides nc. */
export const NSENTER = "nsenter";
export const NETCAT = ["busybox", "nc"] as const;

export function netnsConnection(pid: number, port: number, signal?: AbortSignal): Promise<Duplex> {
  if (!Number.isInteger(pid) || pid <= 0) {
    return Promise.reject(new BerthError(ErrorCode.Conflict, "port-forward: the sandbox is not running"));
  }
  const { spawn } = process.getBuiltinModule("node:child_process");
  const child = spawn(NSENTER, ["-t", String(pid), "-n", ...NETCAT, "127.0.0.1", String(port)], {
    stdio: ["pipe", "pipe", "pipe"],
    ...(signal !== undefined ? { signal } : {}),
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.once("error", (err) =>
      reject(
        new BerthError(
          ErrorCode.RuntimeUnavailable,
          `port-forward: cannot run ${NSENTER}: ${errorMessage(err)}`,
          { cause: err },
        ),
      ),
    );
    child.once("spawn", () => {
      const stream = new Duplex({
        write(chunk: Buffer, _enc, done) {
          child.stdin.write(chunk, (err) => done(err ?? null));
        },
        final(done) {
          child.stdin.end();
          done();
        },
        read() {
          child.stdout.resume();
        },
        destroy(err, done) {
          child.kill("SIGKILL");
          done(err);
        },
      });
      child.stdout.on("data", (d: Buffer) => {
        if (!stream.push(d)) child.stdout.pause();
      });
      // The end waits for netcat's exit, so that a failure (a closed port) is never taken for a
      // connection that ended cleanly: dockershim's PortForward returned the command's error.
      child.once("close", (code) => {
        if (code !== 0 && code !== null && stderr.trim() !== "") {
          stream.destroy(
            new BerthError(ErrorCode.RuntimeUnavailable, `port-forward to port ${port}: ${stderr.trim()}`),
          );
        } else stream.push(null);
      });
      resolve(stream);
    });
  });
}
