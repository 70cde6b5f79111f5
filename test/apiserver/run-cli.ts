/**
 * Runs berth's CLI from the TypeScript sources (node --experimental-transform-types), so that
 * tests exercise the real `berth` commands without a build. Relative ".js" imports resolve to ".ts".
 */
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.startsWith("file:")) {
      const url = new URL(specifier, context.parentURL);
      const ts = url.href.slice(0, -3) + ".ts";
      if (!existsSync(fileURLToPath(url)) && existsSync(fileURLToPath(ts))) return nextResolve(ts, context);
    }
    return nextResolve(specifier, context);
  },
});

const { runCli } = await import("../../src/cli/run.js");
process.exitCode = await runCli(process.argv.slice(2));
