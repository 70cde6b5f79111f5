import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/index.js";
import { buildImage } from "./image.js";
import type { LayerEntry } from "./layer.js";
import { grpcHealthImage, pauseImage, testImage, type LocalImageInputs } from "./local-images.js";

// The image definitions, built from stand-ins: a script that lists applets like `busybox --list`
// and a file standing in for the compiled pause program.
let dir: string;
let inputs: LocalImageInputs;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-local-images-"));
  const busybox = join(dir, "busybox");
  await writeFile(busybox, "#!/bin/sh\nprintf 'sh\\nsleep\\nbusybox\\n[\\nnc\\nsh\\n'\n");
  await chmod(busybox, 0o755);
  const pauseBinary = join(dir, "pause");
  await writeFile(pauseBinary, "not really an ELF");
  const grpcHealthBinary = join(dir, "grpc-health");
  await writeFile(grpcHealthBinary, "not really an ELF either");
  inputs = { registry: "127.0.0.1:5000", busybox, pauseBinary, grpcHealthBinary };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const byPath = (entries: readonly LayerEntry[]) => new Map(entries.map((e) => [e.path, e]));

describe("local image definitions", () => {
  it("pause: /pause as entrypoint, executable", async () => {
    const spec = await pauseImage(inputs);
    expect(spec.name).toBe("127.0.0.1:5000/berth/pause:1.0");
    expect(spec.config.entrypoint).toEqual(["/pause"]);
    const pause = byPath(spec.entries).get("/pause");
    expect(pause?.type === "file" && pause.mode).toBe(0o755);
    expect(pause?.type === "file" && Buffer.from(pause.data).toString()).toBe("not really an ELF");
  });

  it("test: busybox with one symlink per applet, users, /tmp, and sh as command", async () => {
    const spec = await testImage(inputs);
    expect(spec.name).toBe("127.0.0.1:5000/berth/test:1.0");
    expect(spec.config.cmd).toEqual(["sh"]);
    const entries = byPath(spec.entries);
    expect(entries.get("/bin/busybox")?.type).toBe("file");
    for (const applet of ["sh", "sleep", "[", "nc"]) {
      expect(entries.get(`/bin/${applet}`)).toEqual({
        type: "symlink",
        path: `/bin/${applet}`,
        target: "busybox",
      });
    }
    expect(spec.entries.filter((e) => e.path === "/bin/sh")).toHaveLength(1);
    const passwd = entries.get("/etc/passwd");
    const text = passwd?.type === "file" ? Buffer.from(passwd.data).toString() : "";
    expect(text).toMatch(/^root:x:0:0:/m);
    expect(text).toMatch(/^nobody:x:65534:65534:/m);
    expect(entries.get("/tmp")).toEqual({ type: "dir", path: "/tmp", mode: 0o1777 });
    // The definition is a valid image: paths, parents and config all pass the builder's checks.
    expect(buildImage(spec).layers).toHaveLength(1);
  });

  it("grpc-health: /grpc-health as entrypoint on port 9000, and /tmp", async () => {
    const spec = await grpcHealthImage(inputs);
    expect(spec.name).toBe("127.0.0.1:5000/berth/grpc-health:1.0");
    expect(spec.config.entrypoint).toEqual(["/grpc-health"]);
    expect(spec.config.cmd).toEqual(["9000"]);
    const entries = byPath(spec.entries);
    const binary = entries.get("/grpc-health");
    expect(binary?.type === "file" && binary.mode).toBe(0o755);
    expect(entries.get("/tmp")).toEqual({ type: "dir", path: "/tmp", mode: 0o1777 });
    expect(buildImage(spec).layers).toHaveLength(1);
  });

  it("fails with a Config error when busybox cannot list its applets", async () => {
    const err = await testImage({ ...inputs, busybox: join(dir, "missing") }).catch((e: unknown) => e);
    expect(hasCode(err, ErrorCode.Config)).toBe(true);
  });
});
