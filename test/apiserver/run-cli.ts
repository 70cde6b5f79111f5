/**
 * Runs berth's CLI from the TypeScript sources (node --experimental-transform-types), so that
 * tests exercise the real `berth` commands without a build. Relative ".js" imports resolve to ".ts".
 */

await import(new URL("../support/ts-hooks.ts", import.meta.url).href);

const { runCli } = await import("../../src/cli/run.js");
process.exitCode = await runCli(process.argv.slice(2));
