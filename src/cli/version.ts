import { BERTH_VERSION, KUBERNETES_GIT_VERSION } from "../common/index.js";
import type { Command } from "./commands.js";

export const version: Command = {
  name: "version",
  summary: "print berth's version and the Kubernetes version it speaks",
  run(): Promise<number> {
    process.stdout.write(
      `berth ${BERTH_VERSION} (kubernetes ${KUBERNETES_GIT_VERSION}, node ${process.version})\n`,
    );
    return Promise.resolve(0);
  },
};
