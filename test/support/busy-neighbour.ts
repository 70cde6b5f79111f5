/**
 * CPU-busy neighbour processes: each one spins in a loop, so the machine is as loaded as it is
 * while an agent starts pods beside the API server. Stop them with stop(); they also die with the
 * test process (their stdin is its pipe).
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface BusyNeighbours {
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

/** Starts `count` processes that each keep one CPU busy. */
export function startBusyNeighbours(count: number): BusyNeighbours {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    // The loop checks stdin once in a while: when the test process dies, the pipe closes and so
    // does the neighbour.
    const child = spawn(
      process.execPath,
      [
        "-e",
        "process.stdin.on('end', () => process.exit(0)).resume(); setInterval(() => { const end = Date.now() + 50; while (Date.now() < end); }, 0);",
      ],
      { stdio: ["pipe", "ignore", "ignore"] },
    );
    children.push(child);
  }
  return {
    pids: children.map((c) => c.pid ?? 0),
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once("exit", () => resolve());
              c.kill("SIGKILL");
            }),
        ),
      );
    },
  };
}
