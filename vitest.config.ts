import { defineConfig } from "vitest/config";

// Four projects. unit: beside the code, no daemon, no sleeping. integration: test/, against the
// real containerd, Docker, registries, etcd and kubectl that scripts/runtime-env.sh starts, two
// files at a time; integration-serial: the files of test/ that must run alone. Both fail (never
// skip) when a daemon is missing. runtime: the runtime contract suite (npm run
// test:runtime), run against containerd, Docker and the fake. allowOnly is false in each, so a
// stray .only fails the run instead of quietly skipping the rest.
/** Integration files that must run alone (see the integration-serial project). */
const SERIAL = [
  "test/env/**/*.test.ts",
  "test/agent/restarts.test.ts",
  "test/agent/pod-status-first.test.ts",
  "test/fuzz/**/*.test.ts",
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
          allowOnly: false,
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          allowOnly: false,
          exclude: ["test/runtime/**", ...SERIAL],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Each file runs its own clusters under its own node names, so two files share the
          // daemons safely; most of a file's time is spent waiting (grace periods, backoffs).
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: "integration-serial",
          include: SERIAL,
          allowOnly: false,
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // These restart or reconfigure the shared daemons, remove images, or measure the
          // machine (memory, RSS): one file at a time, with nothing else running.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "runtime",
          include: ["test/runtime/**/*.test.ts"],
          allowOnly: false,
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
