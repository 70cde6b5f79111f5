/**
 * The termination message of an exited container (kubelet: kuberuntime
 * getTerminationMessage / readLastStringFromContainerLogs): the file the container wrote at its
 * terminationMessagePath (a per-container host file mounted there), and with
 * FallbackToLogsOnError, when that file is empty and the container failed, the tail of its log.
 */
import { open } from "node:fs/promises";
import type { IContainer } from "kubernetes-models/v1";
import type { ContainerRuntime, ContainerStatus } from "../../../runtime/index.js";
import {
  TERMINATION_MESSAGE_LOG_BYTES,
  TERMINATION_MESSAGE_LOG_LINES,
  TERMINATION_MESSAGE_MAX_BYTES,
} from "../constants.js";

export const DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log"; // core/v1: TerminationMessagePathDefault

async function readHead(path: string, max: number): Promise<string> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return "";
  }
  try {
    const buffer = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buffer, 0, max, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

async function logTail(runtime: ContainerRuntime, id: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const line of runtime.readLogs(id, { tailLines: TERMINATION_MESSAGE_LOG_LINES })) {
    chunks.push(line.content, line.full ? Buffer.from("\n") : Buffer.alloc(0));
  }
  const all = Buffer.concat(chunks);
  return all.subarray(Math.max(0, all.length - TERMINATION_MESSAGE_LOG_BYTES)).toString("utf8");
}

export async function terminationMessage(
  runtime: ContainerRuntime,
  status: ContainerStatus,
  container: IContainer | undefined,
): Promise<string> {
  const path = container?.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH;
  const mount = status.mounts.find((m) => m.containerPath === path);
  const fromFile = mount === undefined ? "" : await readHead(mount.hostPath, TERMINATION_MESSAGE_MAX_BYTES);
  if (fromFile !== "") return fromFile;
  if (container?.terminationMessagePolicy === "FallbackToLogsOnError" && status.exitCode !== 0) {
    return logTail(runtime, status.id).catch(() => "");
  }
  return "";
}
