import { describe, expect, it } from "vitest";
import { cgroupHierarchies, parseMountinfo } from "./mountinfo.js";

// As on these machines: cgroup v1 with cpu and cpuacct mounted apart, a tmpfs at /sys/fs/cgroup.
const TABLE = [
  "22 1 8:1 / / rw,relatime shared:1 - overlay overlay rw,lowerdir=/a",
  "30 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755",
  "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate",
  "32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd",
  "33 30 0:29 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu",
  "34 30 0:30 / /sys/fs/cgroup/cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpuacct",
  "35 30 0:31 /docker/abc /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory",
  "36 33 0:32 / /sys/fs/cgroup/cpu/nested rw shared:14 - cgroup cgroup rw,cpu",
  "37 22 0:33 / /mnt/with\\040space rw shared:15 - tmpfs tmpfs rw",
  "not a mountinfo line",
  "",
].join("\n");

describe("mountinfo", () => {
  it("parses mount points, file system types and super options, unescaping \\ooo", () => {
    const mounts = parseMountinfo(TABLE);
    expect(mounts).toHaveLength(9);
    expect(mounts[3]).toEqual({
      mountPoint: "/sys/fs/cgroup/systemd",
      fsType: "cgroup",
      superOptions: ["rw", "xattr", "name=systemd"],
    });
    expect(mounts.at(-1)?.mountPoint).toBe("/mnt/with space");
  });

  it("lists the cgroup mounts directly under the root, not directories or nested mounts", () => {
    const hierarchies = cgroupHierarchies(parseMountinfo(TABLE), "/sys/fs/cgroup/");
    expect(hierarchies).toEqual(["cpu", "cpuacct", "memory", "systemd", "unified"]);
    expect(hierarchies).not.toContain("cpu,cpuacct");
  });

  it("lets a later mount on the same point hide an earlier one", () => {
    const over = `${TABLE}40 30 0:40 / /sys/fs/cgroup/cpu rw - tmpfs tmpfs rw\n`;
    expect(cgroupHierarchies(parseMountinfo(over), "/sys/fs/cgroup")).not.toContain("cpu");
    expect(cgroupHierarchies(parseMountinfo(TABLE), "/elsewhere")).toEqual([]);
  });
});
