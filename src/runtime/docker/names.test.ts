import { describe, expect, it } from "vitest";
import { BerthError, ErrorCode } from "../../common/index.js";
import { containerName, parseName, sandboxName } from "./names.js";

const pod = { name: "web-1", namespace: "default", uid: "0d3c7a2e-8a3b-4b55-9a55-0c3f2b1d9e11", attempt: 2 };

describe("docker names", () => {
  it("builds the sandbox name dockershim used", () => {
    expect(sandboxName(pod)).toBe("k8s_POD_web-1_default_0d3c7a2e-8a3b-4b55-9a55-0c3f2b1d9e11_2");
  });

  it("builds a container name with the container's own attempt", () => {
    expect(containerName(pod, "app", 5)).toBe("k8s_app_web-1_default_0d3c7a2e-8a3b-4b55-9a55-0c3f2b1d9e11_5");
  });

  it("parses what it builds, with or without the leading slash", () => {
    expect(parseName("/" + containerName(pod, "app", 5))).toEqual({
      container: "app",
      pod: "web-1",
      namespace: "default",
      uid: pod.uid,
      attempt: 5,
    });
    expect(parseName(sandboxName(pod))?.container).toBe("POD");
  });

  it("ignores names that are not ours", () => {
    expect(parseName("/nginx")).toBeUndefined();
    expect(parseName("k8s_a_b_c_d")).toBeUndefined();
    expect(parseName("k8s_a_b_c_d_x")).toBeUndefined();
    expect(parseName("k9s_a_b_c_d_1")).toBeUndefined();
    expect(parseName("k8s__b_c_d_1")).toBeUndefined();
  });

  it("rejects parts that would make the name ambiguous", () => {
    const bad = () => sandboxName({ ...pod, name: "web_1" });
    expect(bad).toThrow(BerthError);
    expect(bad).toThrow(/pod.name "web_1"/);
    expect(() => containerName(pod, "", 0)).toThrow(expect.objectContaining({ code: ErrorCode.Invalid }));
    expect(() => containerName(pod, "POD", 0)).toThrow(/reserved/);
    expect(() => containerName(pod, "app", -1)).toThrow(/non-negative/);
    expect(() => containerName(pod, "app", 1.5)).toThrow(/non-negative/);
  });
});
