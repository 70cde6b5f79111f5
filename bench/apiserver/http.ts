/**
 * API server HTTP benchmark entry. Run from the repository root, no build needed:
 *
 *   node --experimental-transform-types bench/apiserver/http.ts [--quick]
 *
 * The server runs in a child process (SQLite, a temp data dir, HTTPS with the admin token), so the
 * client's work does not share its event loop. Two measurements (http-bench.ts):
 * 1. create-to-watch-delivery latency: 100 watchers, each `fieldSelector=spec.nodeName=node-i`
 *    (as 100 agents watch their pods); pods are created one at a time for random nodes and the
 *    time from sending the POST to the owning watcher receiving ADDED is recorded. Target p99 < 10 ms.
 * 2. pod creates per second over HTTP with 32 requests in flight. Target >= 1,000/s.
 */

await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);

const { main } = await import("./http-bench.js");
await main(process.argv.slice(2));
