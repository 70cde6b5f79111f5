import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BerthError, ErrorCode } from "../common/index.js";
import { dir, hostFile, symlink, textFile } from "./entries.js";
import type { ImageSpec } from "./image.js";

/**
 * The images berth's tests run, built offline from files on this machine. This file is the one
 * place that says what is inside them: to give the tests another program, add its entry to
 * testImage() below.
 */
export const LOCAL_IMAGE_TAG = "1.0";

export interface LocalImageInputs {
  /** host:port the images are named under and pushed to, e.g. 127.0.0.1:5000. */
  readonly registry: string;
  /** The static pause program (images/pause/pause.c, compiled). */
  readonly pauseBinary: string;
  /** A static busybox (Debian's busybox-static: /bin/busybox). */
  readonly busybox: string;
  /** The static gRPC health server (images/grpc-health/grpc-health.c, compiled). */
  readonly grpcHealthBinary: string;
}

const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The sandbox image: only /pause, which sleeps, reaps children and exits 0 on SIGTERM. */
export async function pauseImage(inputs: LocalImageInputs): Promise<ImageSpec> {
  return {
    name: `${inputs.registry}/berth/pause:${LOCAL_IMAGE_TAG}`,
    entries: [await hostFile("/pause", inputs.pauseBinary, 0o755)],
    config: { entrypoint: ["/pause"], env: [PATH_ENV] },
  };
}

/**
 * A gRPC health server for probe tests: /grpc-health PORT [SERVICE=SERVING|NOT_SERVING ...]
 * answers grpc.health.v1.Health/Check over h2c; every service is NOT_SERVING while
 * /tmp/grpc-health-down exists.
 */
export async function grpcHealthImage(inputs: LocalImageInputs): Promise<ImageSpec> {
  return {
    name: `${inputs.registry}/berth/grpc-health:${LOCAL_IMAGE_TAG}`,
    entries: [await hostFile("/grpc-health", inputs.grpcHealthBinary, 0o755), dir("/tmp", 0o1777)],
    config: { entrypoint: ["/grpc-health"], cmd: ["9000"], env: [PATH_ENV] },
  };
}

/** A small userland for tests: busybox with every applet linked in /bin, root and nobody users. */
export async function testImage(inputs: LocalImageInputs): Promise<ImageSpec> {
  const applets = await busyboxApplets(inputs.busybox);
  return {
    name: `${inputs.registry}/berth/test:${LOCAL_IMAGE_TAG}`,
    entries: [
      dir("/bin"),
      await hostFile("/bin/busybox", inputs.busybox, 0o755),
      ...applets.filter((name) => name !== "busybox").map((name) => symlink(`/bin/${name}`, "busybox")),
      symlink("/usr/bin/env", "/bin/busybox"),
      dir("/etc"),
      textFile(
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
      ),
      textFile("/etc/group", "root:x:0:\nnobody:x:65534:\n"),
      dir("/root", 0o700),
      dir("/tmp", 0o1777),
      // Test programs go here, e.g. await hostFile("/bin/berth-probe", "images/build/berth-probe").
    ],
    config: { cmd: ["sh"], env: [PATH_ENV] },
  };
}

/** The applet names a busybox binary offers (`busybox --list`), sorted for stable digests. */
async function busyboxApplets(busybox: string): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)(busybox, ["--list"]);
    const names = stdout.split("\n").filter((name) => /^[a-zA-Z0-9_.[-]+$/.test(name));
    if (!names.includes("sh")) throw new Error("no sh applet in the list");
    return [...new Set(names)].sort();
  } catch (err) {
    throw new BerthError(ErrorCode.Config, `cannot list the applets of ${busybox}`, { cause: err });
  }
}
