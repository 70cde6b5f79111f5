/**
 * Storage benchmark entry. Run from the repository root, no build needed:
 *
 *   node --experimental-transform-types bench/apiserver/storage.ts [--quick]
 *
 * It lets node run the TypeScript sources directly (relative ".js" imports resolve to the ".ts"
 * files), then runs storage-bench.ts. It starts its own etcd (/usr/bin/etcd) on loopback.
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

// Imported only now, after the hook is in place.
const { main } = await import("./storage-bench.js");
await main(process.argv.slice(2));
