import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStorage } from "../../src/apiserver/storage/index.js";
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
