import type { IPod } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { BerthError } from "../../common/index.js";
import { safeSysctls, SysctlAllowlist, sysctlDotted, sysctlNamespace } from "./sysctls.js";

function podWith(
  sysctls: Record<string, string>,
  host: { hostNetwork?: boolean; hostIPC?: boolean } = {},
): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u" },
    spec: {
      ...host,
      securityContext: { sysctls: Object.entries(sysctls).map(([name, value]) => ({ name, value })) },
      containers: [{ name: "app", image: "x" }],
    },
  };
}

describe("safe sysctls", () => {
  it("has the kubelet's set, the kernel-gated ones only on kernels that have them", () => {
    expect(safeSysctls("6.1.0-13-amd64")).toEqual([
      "kernel.shm_rmid_forced",
      "net.ipv4.ip_local_port_range",
      "net.ipv4.tcp_syncookies",
      "net.ipv4.ping_group_range",
      "net.ipv4.ip_unprivileged_port_start",
      "net.ipv4.ip_local_reserved_ports",
      "net.ipv4.tcp_keepalive_time",
    ]);
    expect(safeSysctls("4.4.0")).not.toContain("net.ipv4.tcp_keepalive_time");
    expect(safeSysctls("4.4.0")).toContain("net.ipv4.ip_local_reserved_ports");
    expect(safeSysctls("3.10.0-1160.el7")).not.toContain("net.ipv4.ip_local_reserved_ports");
    expect(safeSysctls("garbage")).toHaveLength(5);
  });

  it("knows which namespace a sysctl lives in", () => {
    expect(sysctlNamespace("kernel.sem")).toBe("ipc");
    expect(sysctlNamespace("kernel.shmmax")).toBe("ipc");
    expect(sysctlNamespace("fs.mqueue.msg_max")).toBe("ipc");
    expect(sysctlNamespace("net.core.somaxconn")).toBe("net");
    expect(sysctlNamespace("kernel.pid_max")).toBeUndefined();
    expect(sysctlNamespace("vm.swappiness")).toBeUndefined();
  });

  it("reads slash-separated names as the kubelet does", () => {
    expect(sysctlDotted("net/ipv4/conf/eth0.100/forwarding")).toBe("net.ipv4.conf.eth0/100.forwarding");
    expect(sysctlDotted("net.ipv4.conf.eth0/100.forwarding")).toBe("net.ipv4.conf.eth0/100.forwarding");
    expect(sysctlDotted("kernel")).toBe("kernel");
  });
});

describe("SysctlAllowlist", () => {
  const list = new SysctlAllowlist([...safeSysctls("6.1.0"), "kernel.msg*", "net.core.somaxconn"]);

  it("admits the safe set, exact names and wildcard patterns", () => {
    expect(list.admit(podWith({ "net.ipv4.ip_local_port_range": "1024 65000" }))).toEqual({ admit: true });
    expect(list.admit(podWith({ "kernel.msgmax": "1", "kernel.msgmnb": "2" }))).toEqual({ admit: true });
    expect(list.admit(podWith({ "net.core.somaxconn": "1024" }))).toEqual({ admit: true });
    expect(list.admit(podWith({ "net/ipv4/ip_unprivileged_port_start": "80" }))).toEqual({ admit: true });
    expect(list.admit(podWith({}))).toEqual({ admit: true });
  });

  it("refuses the rest with SysctlForbidden and the kubelet's message", () => {
    expect(list.admit(podWith({ "kernel.shm_rmid_forced": "1", "net.ipv4.ip_forward": "1" }))).toEqual({
      admit: false,
      reason: "SysctlForbidden",
      message: 'forbidden sysctl: "net.ipv4.ip_forward" not allowlisted',
    });
    expect(list.admit(podWith({ "kernel.sem": "1" }))).toMatchObject({ admit: false });
  });

  it("refuses network sysctls with host networking and IPC ones with host IPC", () => {
    expect(list.admit(podWith({ "net.core.somaxconn": "1" }, { hostNetwork: true }))).toEqual({
      admit: false,
      reason: "SysctlForbidden",
      message: 'forbidden sysctl: "net.core.somaxconn" not allowed with host net enabled',
    });
    expect(list.admit(podWith({ "kernel.msgmax": "1" }, { hostIPC: true }))).toMatchObject({
      message: 'forbidden sysctl: "kernel.msgmax" not allowed with host ipc enabled',
    });
    expect(list.admit(podWith({ "kernel.msgmax": "1" }, { hostNetwork: true }))).toEqual({ admit: true });
  });

  it("refuses at construction a malformed pattern or one not known to be namespaced", () => {
    expect(() => new SysctlAllowlist(["kernel.pid_max"])).toThrow(
      'the sysctl "kernel.pid_max" are not known to be namespaced',
    );
    expect(() => new SysctlAllowlist(["vm.*"])).toThrow('the sysctls "vm.*" are not known to be namespaced');
    expect(() => new SysctlAllowlist(["Net.Core"])).toThrow(BerthError);
    expect(() => new SysctlAllowlist(["net..core"])).toThrow(
      /must have at most 253 characters and match regex/,
    );
    expect(() => new SysctlAllowlist(["net.*"])).not.toThrow();
  });
});
