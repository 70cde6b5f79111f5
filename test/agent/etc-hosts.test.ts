/**
 * The pod's managed /etc/hosts as a container sees it, read back through its termination message:
 * the `hostname.subdomain.namespace.svc.clusterDomain` line and the hostAliases block.
 */
import { describe, it } from "vitest";
import { RUNTIMES } from "../support/cluster.js";
import { useCluster } from "../support/cluster-vitest.js";
import { containerStatus, phaseIs, pod, shell } from "./pods.js";

describe.each(RUNTIMES)("/etc/hosts on %s", (runtime) => {
  // clusterDomain alone gives the FQDN line, as in the kubelet: no cluster DNS server is needed
  const cluster = useCluster(runtime, { agentConfig: { clusterDomain: "cluster.local" } });

  it("has the pod's FQDN line and the hostAliases block", async ({ expect }) => {
    await cluster().createPod(
      pod("hosts", {
        restartPolicy: "Never",
        hostname: "web-0",
        subdomain: "web",
        hostAliases: [{ ip: "10.9.9.9", hostnames: ["db", "db.local"] }],
        containers: [shell("app", "cat /etc/hosts > /dev/termination-log")],
      }),
    );
    const p = await cluster().waitForPod("hosts", phaseIs("Succeeded"), "Succeeded", 45_000);
    const hosts = containerStatus(p, "app")?.state?.terminated?.message ?? "";
    const ip = p.status?.podIP ?? "";
    expect(hosts).toContain(`\n${ip}\tweb-0.web.default.svc.cluster.local\tweb-0\n`);
    expect(hosts).toContain("\n# Entries added by HostAliases.\n10.9.9.9\tdb\tdb.local\n");
    await cluster().deletePod("hosts");
  });
});
