/**
 * Controller benchmark entry. Run from the repository root after `npm run build`:
 *
 *   node --experimental-transform-types bench/controllers/deployment.ts [--replicas N]
 *
 * `berth apiserver` and `berth controller-manager` run as child processes; hollow nodes in this
 * process bind the pods and report them Running and Ready (deployment-bench.ts).
 */

await import(new URL("../../test/support/ts-hooks.ts", import.meta.url).href);

const { main } = await import("./deployment-bench.js");
await main(process.argv.slice(2));
