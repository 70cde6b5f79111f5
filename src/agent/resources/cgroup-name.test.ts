import { describe, expect, it } from "vitest";
import { BerthError } from "../../common/index.js";
import {
  cgroupPath,
  checkPodUid,
  parseCgroupRoot,
  podUidFromDir,
  runtimeCgroupParent,
} from "./cgroup-name.js";

const UID = "5f1e-42ab-9c";

describe("cgroup names", () => {
  it("cgroupfs paths join the components", () => {
    expect(cgroupPath([], "cgroupfs")).toBe("/");
    expect(cgroupPath(["kubepods", "burstable", `pod${UID}`], "cgroupfs")).toBe(
      `/kubepods/burstable/pod${UID}`,
    );
    expect(runtimeCgroupParent(["kubepods", `pod${UID}`], "cgroupfs")).toBe(`/kubepods/pod${UID}`);
  });

  it("systemd paths nest slices and escape '-' as '_'", () => {
    const name = ["kubepods", "besteffort", `pod${UID}`];
    expect(cgroupPath(name, "systemd")).toBe(
      "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod5f1e_42ab_9c.slice",
    );
    expect(runtimeCgroupParent(name, "systemd")).toBe("kubepods-besteffort-pod5f1e_42ab_9c.slice");
    expect(cgroupPath(["berth-test", "kubepods"], "systemd")).toBe(
      "/berth_test.slice/berth_test-kubepods.slice",
    );
  });

  it("parses cgroupRoot as a path, or as a slice with the systemd driver", () => {
    expect(parseCgroupRoot("/", "cgroupfs")).toEqual([]);
    expect(parseCgroupRoot("/a/b/", "cgroupfs")).toEqual(["a", "b"]);
    expect(parseCgroupRoot("/", "systemd")).toEqual([]);
    expect(parseCgroupRoot("/berth-test", "systemd")).toEqual(["berth-test"]);
    expect(parseCgroupRoot("/system.slice/berth_x-pods.slice", "systemd")).toEqual(["berth-x", "pods"]);
    expect(() => parseCgroupRoot("relative", "cgroupfs")).toThrow(BerthError);
    expect(() => parseCgroupRoot("/a/../b", "cgroupfs")).toThrow(/bad component/);
  });

  it("reads pod uids back from directory names", () => {
    expect(podUidFromDir(`pod${UID}`, ["kubepods"], "cgroupfs")).toBe(UID);
    expect(podUidFromDir("burstable", ["kubepods"], "cgroupfs")).toBeUndefined();
    expect(
      podUidFromDir("kubepods-burstable-pod5f1e_42ab_9c.slice", ["kubepods", "burstable"], "systemd"),
    ).toBe(UID);
    expect(podUidFromDir("kubepods-burstable.slice", ["kubepods"], "systemd")).toBeUndefined();
  });

  it("refuses uids that are not one safe path component", () => {
    expect(checkPodUid(UID)).toBe(UID);
    for (const bad of [undefined, "", "../etc", "a/b", "a.b"])
      expect(() => checkPodUid(bad)).toThrow(/pod uid/);
  });
});
