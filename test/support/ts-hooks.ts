import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Lets plain `node --experimental-transform-types` run this repository's sources: relative
 * imports are written with ".js" (as tsc wants) but only the ".ts" file exists before a build.
 * Loaded with --import by the child processes that tests spawn.
 */
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
