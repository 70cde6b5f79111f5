import { defineConfig } from "vitest/config";

// Four projects. unit: beside the code, no daemon, no sleeping. integration: test/, against the
// real containerd, Docker, registries, etcd and kubectl that scripts/runtime-env.sh starts;
// fails (never skips) when one is missing. lab: the Vagrant lab (test/lab) on the docker
// provider, systemd nodes on berth's dockerd. runtime: the runtime contract suite (npm run
// test:runtime), run against containerd, Docker and the fake. allowOnly is false in each, so a
// stray .only fails the run instead of quietly skipping the rest.
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
          exclude: ["test/runtime/**", "test/lab/**"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // The daemons are shared; files run one at a time so they do not fight over them.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "lab",
          include: ["test/lab/**/*.test.ts"],
          allowOnly: false,
          environment: "node",
          testTimeout: 600_000,
          hookTimeout: 2_400_000,
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
