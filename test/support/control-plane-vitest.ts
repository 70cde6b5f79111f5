/** The control plane as vitest hooks, as cluster-vitest.ts is for the e2e cluster. */
import { afterAll, afterEach, beforeAll } from "vitest";
import { ControlPlane } from "./control-plane.js";
import type { HollowNode } from "./hollow-node.js";

/**
 * beforeAll/afterAll for a file's control plane: `setup` gets it once it serves and starts what the
 * file needs on it (controller-managers, schedulers), returning the hollow nodes it started. After a
 * failed test the components' log tails go to stderr; after the file the nodes and the control
 * plane stop.
 */
export function useControlPlane(setup: (cp: ControlPlane) => Promise<HollowNode[]>): void {
  let cp: ControlPlane | undefined;
  let nodes: HollowNode[] = [];
  beforeAll(async () => {
    cp = await ControlPlane.start();
    nodes = await setup(cp);
  }, 60_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === "fail" && cp !== undefined) process.stderr.write(`\n${await cp.logs()}\n`);
  });
  afterAll(async () => {
    for (const node of nodes) await node.stop();
    await cp?.stop();
  }, 60_000);
}
