import { BerthError, ErrorCode } from "../../src/common/index.js";
import { FakeRuntime } from "../../src/runtime/fake/index.js";
import { runtimeContract } from "./contract.js";

// The fake's images live in made-up registries: a test image present from the start, an open
// registry holding it, and one that demands credentials.
const TEST_IMAGE = "registry.fake.test/berth/test:1.0";
const AUTH_IMAGE = "auth.fake.test/berth/test:1.0";
const CREDENTIALS = { username: "contract", password: "s3cret" };

runtimeContract("fake", async () => {
  const runtime = new FakeRuntime({ images: [TEST_IMAGE] });
  runtime.addRegistryImage(TEST_IMAGE);
  runtime.addRegistryImage(AUTH_IMAGE, { credentials: CREDENTIALS });
  const podCgroups = new Set<string>();
  const clients: FakeRuntime[] = [];
  return {
    runtime,
    images: {
      test: TEST_IMAGE,
      pullable: TEST_IMAGE,
      authPullable: AUTH_IMAGE,
      credentials: CREDENTIALS,
      missing: "registry.fake.test/berth/absent:never",
    },
    createPodCgroup: async (uid) => {
      const parent = `/kubepods-test/pod${uid}`;
      podCgroups.add(parent);
      return parent;
    },
    removePodCgroup: async (parent) => {
      podCgroups.delete(parent);
    },
    readCgroup: async (parent, containerId, controller, file) => {
      if (!podCgroups.has(parent)) {
        throw new BerthError(ErrorCode.NotFound, `pod cgroup ${parent} was never created`);
      }
      const recorded = runtime.cgroupFiles(containerId);
      if (recorded.parent !== parent) {
        throw new BerthError(
          ErrorCode.NotFound,
          `container ${containerId} is under ${recorded.parent}, not ${parent}`,
        );
      }
      const value = recorded.files[`${controller}/${file}`];
      if (value === undefined)
        throw new BerthError(ErrorCode.NotFound, `no cgroup file ${controller}/${file}`);
      return value;
    },
    stopDaemon: async () => runtime.setAvailable(false),
    startDaemon: async () => runtime.setAvailable(true),
    newRuntime: async () => {
      const client = runtime.newInstance();
      clients.push(client);
      return client;
    },
    streamingExec: true,
    teardown: async () => {
      for (const client of clients) await client.close();
      await runtime.close();
    },
  };
});
