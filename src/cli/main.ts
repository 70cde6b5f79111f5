#!/usr/bin/env node
import { nodeVersionProblem } from "./node-version.js";

// Only this check is loaded before the version is known; the CLI itself comes after it.
const problem = nodeVersionProblem(process.versions.node, process.execPath);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
} else {
  const { runCli } = await import("./run.js");
  process.exitCode = await runCli(process.argv.slice(2));
}
