/**
 * Builds berth's local images (local-images.ts) as archives that containerd, Docker and skopeo
 * accept. Run by scripts/runtime-env.sh:
 *   node dist/images/build-local-main.js --out images/build --registry 127.0.0.1:5000 \
 *     --pause-binary images/build/pause --busybox /bin/busybox \
 *     --grpc-health-binary images/build/grpc-health
 * Writes OUT/pause.tar, OUT/test.tar, OUT/grpc-health.tar and OUT/images.txt, one line per image:
 *   <archive file> <reference> <manifest digest> <config digest>
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { errorMessage } from "../common/index.js";
import { writeImageArchive } from "./archive.js";
import { buildImage } from "./image.js";
import { grpcHealthImage, pauseImage, testImage, type LocalImageInputs } from "./local-images.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      registry: { type: "string" },
      "pause-binary": { type: "string" },
      busybox: { type: "string" },
      "grpc-health-binary": { type: "string" },
    },
    strict: true,
  });
  const out = values.out;
  const inputs: Partial<LocalImageInputs> = {
    registry: values.registry,
    pauseBinary: values["pause-binary"],
    busybox: values.busybox,
    grpcHealthBinary: values["grpc-health-binary"],
  };
  if (out === undefined || !isComplete(inputs)) {
    throw new Error(
      "usage: build-local-main --out DIR --registry HOST:PORT --pause-binary FILE --busybox FILE --grpc-health-binary FILE",
    );
  }
  await mkdir(out, { recursive: true });
  const lines: string[] = [];
  for (const [file, spec] of [
    ["pause.tar", await pauseImage(inputs)],
    ["test.tar", await testImage(inputs)],
    ["grpc-health.tar", await grpcHealthImage(inputs)],
  ] as const) {
    const image = buildImage(spec);
    await writeAtomically(join(out, file), writeImageArchive(image));
    lines.push(`${file} ${image.reference.name} ${image.manifest.digest} ${image.config.digest}`);
  }
  await writeAtomically(join(out, "images.txt"), `${lines.join("\n")}\n`);
}

function isComplete(inputs: Partial<LocalImageInputs>): inputs is LocalImageInputs {
  return (
    inputs.registry !== undefined &&
    inputs.pauseBinary !== undefined &&
    inputs.busybox !== undefined &&
    inputs.grpcHealthBinary !== undefined
  );
}

async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

main().catch((err: unknown) => {
  process.stderr.write(`build-local-main: ${errorMessage(err)}\n`);
  process.exit(1);
});
