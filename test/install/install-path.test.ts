import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { berthMain, REPO_ROOT } from "../support/cluster-process.js";
import { run } from "../env/run.js";

// The machines where berth is developed and tested already have every package, Node 24 and a
// kubectl, so an install step that only works when its result is already there would pass here
// and fail for a newcomer. These tests run the real install scripts on a PATH of shims that make
// the machine look new: dpkg-query hides packages, apt-get and npm record what they are asked for
// and "install" it, and no other program is on PATH.

/** Programs the scripts may call besides the shims; everything else is absent. */
const BASE_TOOLS = ["awk", "grep", "tr", "id", "chmod", "rm", "cat", "mkdir", "ln", "sed", "dirname"];

const DPKG_QUERY = `#!/bin/bash
# dpkg-query -W -f=FORMAT PKG...: installed unless listed in hidden and not installed by apt-get since.
rc=0
for a in "$@"; do
  case "$a" in -*) continue ;; esac
  if grep -qx -- "$a" "$SHIM_DIR/hidden" && ! grep -qx -- "$a" "$SHIM_DIR/apt-installed"; then
    echo "dpkg-query: no packages found matching $a" >&2
    rc=1
  else
    echo "$a install ok installed"
  fi
done
exit $rc
`;

const APT_GET = `#!/bin/bash
# Records its arguments; "installs" packages by listing them, except those in unavailable.
echo "$*" >>"$SHIM_DIR/apt-get.log"
args=("$@") pkgs=() verb=""
for ((i = 0; i < \${#args[@]}; i++)); do
  a="\${args[i]}"
  case "$a" in
    -o) i=$((i + 1)) ;;
    -*) ;;
    *) if [ -z "$verb" ]; then verb="$a"; else pkgs+=("$a"); fi ;;
  esac
done
if [ "$verb" = update ] && [ -e "$SHIM_DIR/update-fails" ]; then
  echo "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease" >&2
  exit 100
fi
[ "$verb" = install ] || exit 0
for p in "\${pkgs[@]}"; do
  if grep -qx -- "$p" "$SHIM_DIR/unavailable"; then
    echo "E: Unable to locate package $p" >&2
    exit 100
  fi
done
for p in "\${pkgs[@]}"; do
  echo "$p" >>"$SHIM_DIR/apt-installed"
  if [ "$p" = npm ]; then cp "$SHIM_DIR/npm.later" "$SHIM_DIR/npm" && chmod 755 "$SHIM_DIR/npm"; fi
done
`;

const APT_CACHE = `#!/bin/bash
# apt-cache policy -- PKG: a candidate unless listed in unavailable (then nothing, as apt prints).
p="\${*: -1}"
grep -qx -- "$p" "$SHIM_DIR/unavailable" && exit 0
printf '%s:\\n  Installed: (none)\\n  Candidate: 1.0-1\\n' "$p"
`;

/** npm install --prefix DIR node@24: "installs" Node 24 by linking the Node that runs the tests. */
const NPM = (node: string) => `#!/bin/bash
echo "$*" >>"$SHIM_DIR/npm.log"
prefix=""
while [ $# -gt 0 ]; do
  [ "$1" = --prefix ] && prefix="$2"
  shift
done
mkdir -p "$prefix/node_modules/node/bin"
ln -sf ${node} "$prefix/node_modules/node/bin/node"
`;

let dir: string;
let shims: string;

async function writeShim(name: string, text: string): Promise<void> {
  await writeFile(join(shims, name), text);
  await chmod(join(shims, name), 0o755);
}

async function lines(name: string): Promise<string[]> {
  const text = await readFile(join(shims, name), "utf8").catch(() => "");
  return text.split("\n").filter((line) => line !== "");
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-install-"));
  shims = join(dir, "bin");
  await mkdir(shims);
  for (const tool of BASE_TOOLS) await symlink(`/usr/bin/${tool}`, join(shims, tool)).catch(() => undefined);
  for (const file of ["hidden", "unavailable", "apt-installed"]) await writeFile(join(shims, file), "");
  await symlink("/bin/cp", join(shims, "cp"));
  await writeShim("dpkg-query", DPKG_QUERY);
  await writeShim("apt-get", APT_GET);
  await writeShim("apt-cache", APT_CACHE);
  await writeFile(join(shims, "npm.later"), NPM(process.execPath));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a bash snippet with only the shims on PATH. */
function shimmed(script: string) {
  return run("/bin/bash", [
    "-c",
    `export PATH='${shims}' SHIM_DIR='${shims}' BERTH_POLICY_RC_D='${join(dir, "policy-rc.d")}'
     set -euo pipefail
     ${script}`,
  ]);
}

const ENSURE_PACKAGES = `BERTH_REPO='${REPO_ROOT}'
  . "$BERTH_REPO/scripts/lib/runtime-env/common.sh"
  . "$BERTH_REPO/scripts/lib/runtime-env/packages.sh"
  env_ensure_packages`;

async function wantedPackages(): Promise<string[]> {
  const text = await readFile(join(REPO_ROOT, "scripts/lib/runtime-env/packages.sh"), "utf8");
  const list = /BERTH_ENV_PACKAGES=\(([^)]*)\)/.exec(text)?.[1] ?? "";
  return list.split(/\s+/).filter((p) => p !== "");
}

/** The packages of each `apt-get install` call. */
async function installCalls(): Promise<string[][]> {
  return (await lines("apt-get.log"))
    .filter((line) => / install /.test(line))
    .map((line) => line.split(" --no-install-recommends ")[1]?.split(" ") ?? []);
}

describe("runtime-env packages on a machine that looks new", () => {
  it("installs every package, and Debian's kubectl, when dpkg knows none of them", async () => {
    const wanted = await wantedPackages();
    expect(wanted.length).toBeGreaterThan(5);
    await writeFile(join(shims, "hidden"), [...wanted, "kubernetes-client"].join("\n") + "\n");
    const result = await shimmed(ENSURE_PACKAGES);
    expect(result.code, result.stderr).toBe(0);
    const log = await lines("apt-get.log");
    expect(log[0]).toContain("update");
    expect(await installCalls()).toEqual([[...wanted, "kubernetes-client"]]);
  });

  it("installs only the hidden package when the rest is there, and no kubectl when one is on PATH", async () => {
    await writeShim("kubectl", "#!/bin/bash\nexit 0\n");
    await writeFile(join(shims, "hidden"), "skopeo\n");
    const result = await shimmed(ENSURE_PACKAGES);
    expect(result.code, result.stderr).toBe(0);
    expect(await installCalls()).toEqual([["skopeo"]]);
  });

  it("runs no apt-get at all when everything is installed", async () => {
    await writeShim("kubectl", "#!/bin/bash\nexit 0\n");
    const result = await shimmed(ENSURE_PACKAGES);
    expect(result.code, result.stderr).toBe(0);
    expect(await lines("apt-get.log")).toEqual([]);
  });

  it("names the package apt cannot install, and leaves no policy-rc.d behind", async () => {
    await writeShim("kubectl", "#!/bin/bash\nexit 0\n");
    await writeFile(join(shims, "hidden"), "skopeo\netcd-server\n");
    await writeFile(join(shims, "unavailable"), "etcd-server\n");
    const result = await shimmed(ENSURE_PACKAGES);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "runtime-env: error: apt-get install failed (exit 100): no installable package etcd-server in the apt sources",
    );
    expect(result.stderr).not.toMatch(/package skopeo/);
    await expect(readFile(join(dir, "policy-rc.d"))).rejects.toThrow(/ENOENT/);
  });

  it("says so when apt-get update fails, before any install", async () => {
    await writeShim("kubectl", "#!/bin/bash\nexit 0\n");
    await writeFile(join(shims, "hidden"), "skopeo\n");
    await writeFile(join(shims, "update-fails"), "");
    const result = await shimmed(ENSURE_PACKAGES);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "runtime-env: error: apt-get update failed (exit 100): check the apt sources in /etc/apt",
    );
    expect(await installCalls()).toEqual([]);
  });
});

describe("Node 24 on a machine that looks new", () => {
  const ENSURE_NODE = (tools: string) => `BERTH_TOOLS_DIR='${tools}'
    . '${REPO_ROOT}/scripts/lib/node.sh'
    ensure_node24
    node -p 'process.versions.node.split(".")[0]'`;

  it("installs Debian's npm when there is no npm, then Node 24 from the npm registry", async () => {
    const tools = join(dir, "tools");
    const result = await shimmed(ENSURE_NODE(tools));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("24");
    expect(await installCalls()).toEqual([["npm"]]);
    const npm = await lines("npm.log");
    expect(npm).toHaveLength(1);
    expect(npm[0]).toContain(`--prefix ${tools}/node24 node@24`);
  });

  it("uses the Node 24 already installed and asks for nothing", async () => {
    const tools = join(dir, "tools");
    await mkdir(join(tools, "node24/node_modules/node/bin"), { recursive: true });
    await symlink(process.execPath, join(tools, "node24/node_modules/node/bin/node"));
    const result = await shimmed(ENSURE_NODE(tools));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("24");
    expect(await lines("apt-get.log")).toEqual([]);
    expect(await lines("npm.log")).toEqual([]);
  });
});

describe("scripts/setup.sh on a fresh clone and on a warm one", () => {
  /** A checkout with setup.sh, node.sh and a lock file; npm records its calls, node is Node 24. */
  async function checkout(): Promise<string> {
    const repo = join(dir, "repo");
    await mkdir(join(repo, "scripts", "lib"), { recursive: true });
    await copyFile(join(REPO_ROOT, "scripts/setup.sh"), join(repo, "scripts/setup.sh"));
    await copyFile(join(REPO_ROOT, "scripts/lib/node.sh"), join(repo, "scripts/lib/node.sh"));
    await writeFile(join(repo, "package-lock.json"), "{}\n");
    await symlink(process.execPath, join(shims, "node"));
    await writeShim("npm", `#!/bin/bash\necho "$*" >>"$SHIM_DIR/npm.log"\n`);
    return repo;
  }
  const setup = (repo: string) => shimmed(`/bin/bash '${repo}/scripts/setup.sh'`);

  it("installs the npm dependencies when there is no node_modules, then builds", async () => {
    const repo = await checkout();
    const result = await setup(repo);
    expect(result.code, result.stderr).toBe(0);
    expect(await lines("npm.log")).toEqual(["ci --no-audit --no-fund --silent", "run --silent build"]);
  });

  it("only builds when node_modules is as new as the lock file", async () => {
    const repo = await checkout();
    await mkdir(join(repo, "node_modules"));
    await writeFile(join(repo, "node_modules/.package-lock.json"), "{}\n");
    const lock = await stat(join(repo, "package-lock.json"));
    await utimes(join(repo, "node_modules/.package-lock.json"), lock.atime, new Date(lock.mtimeMs + 1000));
    const result = await setup(repo);
    expect(result.code, result.stderr).toBe(0);
    expect(await lines("npm.log")).toEqual(["run --silent build"]);
  });

  it("installs again when the lock file changed after the last install", async () => {
    const repo = await checkout();
    await mkdir(join(repo, "node_modules"));
    await writeFile(join(repo, "node_modules/.package-lock.json"), "{}\n");
    const installed = await stat(join(repo, "node_modules/.package-lock.json"));
    await utimes(join(repo, "package-lock.json"), installed.atime, new Date(installed.mtimeMs + 1000));
    const result = await setup(repo);
    expect(result.code, result.stderr).toBe(0);
    expect(await lines("npm.log")).toEqual(["ci --no-audit --no-fund --silent", "run --silent build"]);
  });
});

// The images: built into an empty directory with the real compiler and image builder, then loaded
// into daemons that hold no image (ctr, docker, curl and skopeo shims that remember what they got).
const CTR = `#!/bin/bash
# ctr --address SOCK -n NS images ls name==REF | images import ARCHIVE
echo "$*" >>"$SHIM_DIR/ctr.log"
args=("$@") n=$#
case "\${args[n - 3]} \${args[n - 2]}" in
  "images ls")
    echo "REF TYPE DIGEST SIZE PLATFORMS LABELS"
    awk -v r="\${args[n - 1]#name==}" '$1 == r { print $1, "manifest", $2 }' "$SHIM_DIR/containerd" ;;
  "images import")
    awk -v f="$(basename "\${args[n - 1]}")" '$1 == f { print $2, $3 }' "$SHIM_IMAGES" >>"$SHIM_DIR/containerd" ;;
esac
`;

const DOCKER = `#!/bin/bash
# docker -H SOCK image inspect --format {{.Id}} REF | load -i ARCHIVE
echo "$*" >>"$SHIM_DIR/docker.log"
args=("$@") n=$#
case "\${args[2]}" in
  image) awk -v r="\${args[n - 1]}" '$1 == r { print $2; found = 1 } END { exit !found }' "$SHIM_DIR/dockerd" ;;
  load) awk -v f="$(basename "\${args[n - 1]}")" '$1 == f { print $2, $4 }' "$SHIM_IMAGES" >>"$SHIM_DIR/dockerd" ;;
esac
`;

const CURL = `#!/bin/bash
# curl ... -I http://ADDR/v2/REPO/manifests/TAG: the digest header when the registry has it.
url="\${*: -1}" path="\${url#http://}"
addr="\${path%%/*}" rest="\${path#*/v2/}"
awk -v r="$addr/\${rest%/manifests/*}:\${rest##*/manifests/}" '$1 == r { printf "Docker-Content-Digest: %s\\r\\n", $2 }' "$SHIM_DIR/registries"
`;

const SKOPEO = `#!/bin/bash
# skopeo copy ... oci-archive:ARCHIVE docker://ADDR/REPO:TAG
echo "$*" >>"$SHIM_DIR/skopeo.log"
src="\${*: -2:1}" dest="\${*: -1}"
awk -v f="$(basename "\${src#oci-archive:}")" -v d="\${dest#docker://}" '$1 == f { print d, $3 }' "$SHIM_IMAGES" >>"$SHIM_DIR/registries"
`;

describe("the images on a machine that has built none and whose daemons hold none", () => {
  it("compiles, builds, imports, loads and pushes every image, and a second run does nothing", async () => {
    const out = join(dir, "images");
    for (const file of ["containerd", "dockerd", "registries"]) await writeFile(join(shims, file), "");
    await symlink(process.execPath, join(shims, "node"));
    await writeShim("ctr", CTR);
    await writeShim("docker", DOCKER);
    await writeShim("curl", CURL);
    await writeShim("skopeo", SKOPEO);
    const lib = join(REPO_ROOT, "scripts/lib/runtime-env");
    // The system's tools after the shims (gcc needs its assembler and linker): only the daemons
    // and the registries are pretend. No npm: setup.sh must not run, dist/ is built already.
    const up = () =>
      run(
        "/bin/bash",
        [
          "-c",
          `export PATH='${shims}:/usr/bin:/bin' SHIM_DIR='${shims}' SHIM_IMAGES='${out}/images.txt'
         export BERTH_ENV_DIR='${dir}/env' BERTH_ENV_RUN='${dir}/run' BERTH_IMAGES_OUT='${out}'
         set -euo pipefail
         BERTH_REPO='${REPO_ROOT}'
         . '${lib}/common.sh'; . '${lib}/registry.sh'; . '${lib}/images.sh'
         . '${lib}/containerd.sh'; . '${lib}/docker.sh'
         BERTH_DOCKER_CLI='${shims}/docker'
         env_build_images
         env_load_images`,
        ],
        110_000,
      );
    const first = await up();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("compiling images/pause/pause.c");
    expect(first.stderr).toContain("compiling images/grpc-health/grpc-health.c");
    expect(first.stderr).toContain(`building images into ${out}`);
    const built = (await readFile(join(out, "images.txt"), "utf8")).trim().split("\n");
    const refs = built.map((line) => line.split(" ")[1]);
    expect(refs).toEqual([
      "127.0.0.1:5000/berth/pause:1.0",
      "127.0.0.1:5000/berth/test:1.0",
      "127.0.0.1:5000/berth/grpc-health:1.0",
    ]);
    for (const line of built)
      expect((await stat(join(out, line.split(" ")[0] ?? ""))).size).toBeGreaterThan(0);
    const imports = (await lines("ctr.log")).filter((l) => l.includes(" images import "));
    expect(imports.map((l) => l.split("/").pop())).toEqual(["pause.tar", "test.tar", "grpc-health.tar"]);
    const loads = (await lines("docker.log")).filter((l) => l.includes(" load -i "));
    expect(loads.map((l) => l.split("/").pop())).toEqual(["pause.tar", "test.tar", "grpc-health.tar"]);
    const pushes = (await lines("skopeo.log")).map((l) => l.split(" ").pop());
    expect(pushes).toEqual(
      ["pause", "test", "grpc-health"].flatMap((name) => [
        `docker://127.0.0.1:5000/berth/${name}:1.0`,
        `docker://127.0.0.1:5001/berth/${name}:1.0`,
      ]),
    );
    expect((await lines("skopeo.log")).filter((l) => l.includes("--dest-creds berth:"))).toHaveLength(3);

    const before = { ctr: await lines("ctr.log"), docker: await lines("docker.log") };
    const second = await up();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toBe("");
    const after = { ctr: await lines("ctr.log"), docker: await lines("docker.log") };
    expect(after.ctr.slice(before.ctr.length).filter((l) => l.includes(" import "))).toEqual([]);
    expect(after.docker.slice(before.docker.length).filter((l) => l.includes(" load "))).toEqual([]);
    expect(await lines("skopeo.log")).toHaveLength(6);
  }, 240_000);
});

describe("berth under an older Node", () => {
  it("says which Node it needs instead of failing on a missing built-in module", async () => {
    const older = `data:text/javascript,Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.20.2" } })`;
    const result = await run(process.execPath, ["--import", older, berthMain(), "apiserver", "--help"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("berth needs Node.js 24 or newer");
    expect(result.stderr).toContain("is Node.js 20.20.2");
    expect(result.stderr).not.toContain("node:sqlite");
  });

  it("runs on Node 24", async () => {
    const result = await run(process.execPath, [berthMain(), "version"]);
    expect(result.code, result.stderr).toBe(0);
  });
});
