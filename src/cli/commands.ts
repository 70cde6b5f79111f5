import { agent } from "./agent.js";
import { apiserver } from "./apiserver.js";
import { kubeconfig } from "./kubeconfig.js";
import { version } from "./version.js";

/** A subcommand: parses its own argv, resolves config, starts a component. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}

/** Every subcommand, in the order `berth help` lists them. */
export const commands: readonly Command[] = [version, apiserver, agent, kubeconfig];
