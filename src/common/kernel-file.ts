/**
 * Reading the kernel's small text files: cgroupfs control files, /proc and /sys entries.
 *
 * Such files report a size of 0 (cgroupfs, procfs) or 4096 (sysfs) whatever they hold, and Node's
 * readFile reads a file of unknown size into a fresh 64 KiB buffer, through the libuv thread pool.
 * The agent reads several of them for every pod it starts. In a burst of 110 starts the reads
 * queued behind one another for seconds, so their buffers outlived the young generation and were
 * freed only at the next full collection: 5 to 8 MiB held at once, malloc'ed from the main heap,
 * whose freed chunks then stayed in the agent's RSS (docs/agent.md "Memory").
 *
 * The kernel produces these files from memory when they are read; nothing waits on a disk. So they
 * are read synchronously, a page at a time, into one buffer this module keeps: a read costs a few
 * microseconds of the event loop, no thread-pool round trip and no allocation beyond the text.
 */
import { closeSync, openSync, readSync } from "node:fs";

/** One page: what procfs and sysfs hand out per read(2). */
const PAGE_BYTES = 4096;
/** Shared by every read: each read finishes before any other code runs. */
const page = Buffer.allocUnsafeSlow(PAGE_BYTES);

/**
 * The whole file as UTF-8 text. Rejects as readFile does (ENOENT and the like). It returns a
 * promise so that callers treat it as the I/O it is, though the work is done before it returns.
 */
export async function readKernelFile(path: string): Promise<string> {
  const fd = openSync(path, "r");
  try {
    const parts: Buffer[] = [];
    for (let n = readSync(fd, page); n > 0; n = readSync(fd, page))
      parts.push(Buffer.from(page.subarray(0, n)));
    return Buffer.concat(parts).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
