import { readFile, stat } from "node:fs/promises";
import type { LayerEntry } from "./layer.js";

// Small constructors that keep image definitions readable.

export function dir(path: string, mode = 0o755): LayerEntry {
  return { type: "dir", path, mode };
}

export function symlink(path: string, target: string): LayerEntry {
  return { type: "symlink", path, target };
}

export function textFile(path: string, text: string, mode = 0o644): LayerEntry {
  return { type: "file", path, mode, data: Buffer.from(text, "utf8") };
}

/** A file copied from the host; its mode is the host file's unless given. */
export async function hostFile(path: string, hostPath: string, mode?: number): Promise<LayerEntry> {
  const [data, info] = await Promise.all([readFile(hostPath), stat(hostPath)]);
  return { type: "file", path, mode: mode ?? info.mode & 0o7777, data };
}
