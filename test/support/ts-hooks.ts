import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Lets plain `node --experimental-transform-types` run this repository's sources without a build:
 * relative imports are written with ".js" (as tsc wants) but before a build only the ".ts" file
 * exists. Child processes that tests spawn load it with `--import`; bench entry points load it
 * with `await import(TS_HOOKS)` before importing anything of ours.
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
