import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStorage, openWatchCache } from "../../src/apiserver/storage/index.js";
import { storageSuite } from "./suite.js";

storageSuite("sqlite (file)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-sqlite-"));
  const storage = await openSqliteStorage({ path: join(dir, "state.db"), compactIntervalMs: 0 });
  return {
    storage,
    root: "/registry",
    close: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

storageSuite("sqlite (:memory:)", async () => {
  const storage = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
  return { storage, root: "/registry", close: () => storage.close() };
});

storageSuite("watch cache over sqlite", async () => {
  const backend = await openSqliteStorage({ path: ":memory:", compactIntervalMs: 0 });
  const storage = await openWatchCache(backend, { bookmarkIntervalMs: 0 });
  return {
    storage,
    root: "/registry",
    close: async () => {
      await storage.close();
      await backend.close();
    },
  };
});
