/**
 * Storage benchmark entry. Run from the repository root, no build needed:
 *
 *   node --experimental-transform-types bench/apiserver/storage.ts [--quick]
 *
 * It lets node run the TypeScript sources directly (relative ".js" imports resolve to the ".ts"
 * files), then runs storage-bench.ts. It starts its own etcd (/usr/bin/etcd) on loopback.
 */

await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);

// Imported only now, after the hook is in place.
const { main } = await import("./storage-bench.js");
await main(process.argv.slice(2));
