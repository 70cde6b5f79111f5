import { BerthError, errorMessage } from "../common/index.js";
import { commands, type Command } from "./commands.js";

function usage(): string {
  const lines = ["usage: berth <command> [flags]", "", "commands:"];
  for (const c of commands) lines.push(`  ${c.name.padEnd(12)} ${c.summary}`);
  return lines.join("\n") + "\n";
}

/** Runs one subcommand and returns the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`berth: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    const code = err instanceof BerthError ? ` (${err.code})` : "";
    process.stderr.write(`berth ${name}: ${errorMessage(err)}${code}\n`);
    return 1;
  }
}
