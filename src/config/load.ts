/** The one place the agent's config file is read from disk. */
import { readFile } from "node:fs/promises";
import { BerthError, ErrorCode, errorMessage } from "../common/errors.js";
import type { AgentConfig } from "./agent-config.js";
import { resolveAgentConfig, type AgentFlags } from "./resolve.js";

export interface LoadAgentConfigInput {
  readonly flags: AgentFlags;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly hostname?: string;
}

/** Reads --config (when given) and resolves the configuration. */
export async function loadAgentConfig(input: LoadAgentConfigInput): Promise<AgentConfig> {
  let fileText: string | undefined;
  if (input.flags.config !== undefined) {
    try {
      fileText = await readFile(input.flags.config, "utf8");
    } catch (err) {
      throw new BerthError(
        ErrorCode.Config,
        `--config: cannot read ${JSON.stringify(input.flags.config)}: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  }
  return resolveAgentConfig({
    flags: input.flags,
    ...(fileText !== undefined ? { fileText } : {}),
    ...(input.env !== undefined ? { env: input.env } : {}),
    ...(input.hostname !== undefined ? { hostname: input.hostname } : {}),
  });
}
