import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prepareEtcHosts } from "./pod-files.js";

const dir = await mkdtemp(join(tmpdir(), "berth-pod-files-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const HEADER = [
  "# Kubernetes-managed hosts file.",
  "127.0.0.1\tlocalhost",
  "::1\tlocalhost ip6-localhost ip6-loopback",
  "fe00::0\tip6-localnet",
  "fe00::0\tip6-mcastprefix",
  "fe00::1\tip6-allnodes",
  "fe00::2\tip6-allrouters",
];

describe("prepareEtcHosts", () => {
  it("writes the kubelet's managed file: the pod's names, then the hostAliases block", async () => {
    const path = await prepareEtcHosts(dir, "u1", ["10.1.0.5"], "web-0", "web.shop.svc.cluster.local", [
      { ip: "10.9.9.9", hostnames: ["db", "db.local"] },
      { ip: "10.9.9.10", hostnames: ["cache"] },
    ]);
    expect(await readFile(path, "utf8")).toBe(
      [
        ...HEADER,
        "10.1.0.5\tweb-0.web.shop.svc.cluster.local\tweb-0",
        "",
        "# Entries added by HostAliases.",
        "10.9.9.9\tdb\tdb.local",
        "10.9.9.10\tcache",
        "",
      ].join("\n"),
    );
  });

  it("has only the short name without a subdomain, and no block without aliases", async () => {
    const path = await prepareEtcHosts(dir, "u2", ["10.1.0.6"], "web", undefined);
    expect(await readFile(path, "utf8")).toBe([...HEADER, "10.1.0.6\tweb", ""].join("\n"));
  });
});
