/**
 * scripts/install.sh without systemd or apt on the host: it runs into a directory
 * (BERTH_INSTALL_ROOT) with shims on PATH for systemctl (records each call; `start` of
 * berth-apiserver runs the real API server from the installed code and env file), apt-get
 * (records, and marks the packages installed) and dpkg-query (reads those marks, so the machine
 * looks new). The installer's real run under systemd happens in the lab (scripts/lab.sh).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/apiserver-process.js";
import { REPO_ROOT } from "../support/cluster-process.js";

const run = promisify(execFile);
const INSTALL = join(REPO_ROOT, "scripts", "install.sh");

const SYSTEMCTL = `#!/usr/bin/env bash
# systemctl for the installer test: records calls, keeps enabled/active marks, runs the API server.
echo "systemctl $*" >>"$SHIM_STATE/calls"
quiet=""; args=()
for a in "$@"; do case "$a" in --quiet) quiet=1 ;; --now) now=1 ;; *) args+=("$a") ;; esac; done
verb="\${args[0]}"; unit="\${args[1]:-}"
mkdir -p "$SHIM_STATE/enabled" "$SHIM_STATE/active"
stop_api() { [ -f "$SHIM_STATE/apiserver.pid" ] && kill "$(cat "$SHIM_STATE/apiserver.pid")" 2>/dev/null; rm -f "$SHIM_STATE/apiserver.pid"; return 0; }
start_unit() {
  touch "$SHIM_STATE/active/$1"
  [ "$1" = berth-apiserver.service ] || return 0
  stop_api
  set -a; . "$BERTH_INSTALL_ROOT/etc/berth/apiserver.env"; set +a
  nohup "$BERTH_INSTALL_ROOT/opt/berth/bin/node" "$BERTH_INSTALL_ROOT/opt/berth/current/dist/cli/main.js" apiserver \\
    \${BERTH_APISERVER_ARGS//\\/var\\/lib\\/berth/$BERTH_INSTALL_ROOT\\/var\\/lib\\/berth} </dev/null >>"$SHIM_STATE/apiserver.log" 2>&1 &
  echo $! >"$SHIM_STATE/apiserver.pid"
}
case "$verb" in
  is-enabled) [ -e "$SHIM_STATE/enabled/$unit" ] ;;
  is-active) [ -e "$SHIM_STATE/active/$unit" ] ;;
  enable) touch "$SHIM_STATE/enabled/$unit"; [ -n "\${now:-}" ] && start_unit "$unit"; exit 0 ;;
  disable) rm -f "$SHIM_STATE/enabled/$unit"; if [ -n "\${now:-}" ]; then rm -f "$SHIM_STATE/active/$unit"; [ "$unit" = berth-apiserver.service ] && stop_api; fi; exit 0 ;;
  start | restart) start_unit "$unit" ;;
  daemon-reload) exit 0 ;;
  *) echo "systemctl shim: unexpected $*" >&2; exit 1 ;;
esac
`;

const APT_GET = `#!/usr/bin/env bash
echo "apt-get $*" >>"$SHIM_STATE/calls"
mkdir -p "$SHIM_STATE/packages"
if [ "$1" != update ]; then for a in "$@"; do case "$a" in -*|install) ;; *) touch "$SHIM_STATE/packages/$a" ;; esac; done; fi
`;

const DPKG_QUERY = `#!/usr/bin/env bash
pkg="\${@: -1}"
[ -e "$SHIM_STATE/packages/$pkg" ] || { echo "dpkg-query: no packages found matching $pkg" >&2; exit 1; }
echo "install ok installed"
`;

let dir = "";
let root = "";
let state = "";
let port = 0;
let env: NodeJS.ProcessEnv = {};

async function install(...args: string[]): Promise<{ stdout: string; stderr: string; calls: string[] }> {
  await writeFile(join(state, "calls"), "");
  try {
    const { stdout, stderr } = await run("bash", [INSTALL, ...args], { env, timeout: 180_000 });
    const calls = (await readFile(join(state, "calls"), "utf8")).split("\n").filter((l) => l !== "");
    return { stdout, stderr, calls };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`install.sh ${args.join(" ")} failed:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`, {
      cause: err,
    });
  }
}

/** Every file and link under the root with its mode and content hash (the API server's data aside). */
async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const rel = relative(root, path);
      if (rel.startsWith("var/lib/berth/apiserver") || rel.startsWith("opt/berth/current/node_modules"))
        continue;
      if (entry.isDirectory()) await walk(path);
      else {
        const st = await stat(path);
        const hash = entry.isFile()
          ? createHash("sha256")
              .update(await readFile(path))
              .digest("hex")
          : "link";
        out.set(rel, `${(st.mode & 0o7777).toString(8)} ${hash}`);
      }
    }
  };
  await walk(root);
  return out;
}

function steps(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("berth-install: "));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-install-"));
  root = join(dir, "root");
  state = join(dir, "shim");
  const bin = join(dir, "bin");
  await mkdir(root);
  await mkdir(state);
  await mkdir(bin);
  for (const [name, text] of [
    ["systemctl", SYSTEMCTL],
    ["apt-get", APT_GET],
    ["dpkg-query", DPKG_QUERY],
  ] as const) {
    await writeFile(join(bin, name), text);
    await chmod(join(bin, name), 0o755);
  }
  port = await freePort();
  env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    BERTH_INSTALL_ROOT: root,
    SHIM_STATE: state,
  };
});

afterAll(async () => {
  const pid = await readFile(join(state, "apiserver.pid"), "utf8").catch(() => "");
  if (pid !== "") process.kill(Number(pid), "SIGTERM");
  await rm(dir, { recursive: true, force: true });
});

describe("scripts/install.sh", () => {
  let token = "";
  let hash = "";

  it("installs a control plane, and a second run changes nothing", async () => {
    const args = ["control-plane", "--advertise-address", "127.0.0.1", "--port", String(port)];
    const first = await install(...args);
    expect(first.calls).toEqual(
      expect.arrayContaining([
        "systemctl daemon-reload",
        "systemctl enable --quiet berth-apiserver.service",
        "systemctl start berth-apiserver.service",
        "systemctl start berth-controller-manager.service",
        "systemctl start berth-scheduler.service",
      ]),
    );
    token = (await readFile(join(root, "etc/berth/bootstrap-token"), "utf8")).trim();
    hash = (await readFile(join(root, "etc/berth/ca-cert-hash"), "utf8")).trim();
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await readFile(join(root, "etc/berth/controller-manager.env"), "utf8")).toContain(
      "--allocate-node-cidrs=true --cluster-cidr 10.244.0.0/16",
    );
    expect((await stat(join(root, "etc/berth/admin.kubeconfig"))).mode & 0o777).toBe(0o600);
    const before = await snapshot();
    const second = await install(...args);
    expect(steps(second.stdout).filter((l) => !l.endsWith(": unchanged"))).toEqual([]);
    expect(second.calls.filter((c) => !/ is-(enabled|active) /.test(c))).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it("joins a node with the token on a machine without containerd, and a second run changes nothing", async () => {
    const args = ["node", "--server", `https://127.0.0.1:${port}`, "--token", token];
    const first = await install(...args, "--discovery-token-ca-cert-hash", hash, "--node-ip", "10.0.0.7");
    expect(first.calls).toEqual(
      expect.arrayContaining([
        "apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends containerd containernetworking-plugins",
        "systemctl restart containerd.service",
        "systemctl start berth-agent.service",
      ]),
    );
    const agentEnv = await readFile(join(root, "etc/berth/agent.env"), "utf8");
    expect(agentEnv).toContain("--bootstrap-kubeconfig /etc/berth/bootstrap.kubeconfig");
    expect(agentEnv).toContain(
      "--runtime containerd --runtime-endpoint unix:///run/containerd/containerd.sock",
    );
    expect(agentEnv).toContain("--node-ip 10.0.0.7");
    expect(
      await readFile(join(root, "etc/systemd/system/berth-agent.service.d/10-runtime.conf"), "utf8"),
    ).toContain("Requires=containerd.service");
    const containerd = await readFile(join(root, "etc/containerd/config.toml"), "utf8");
    expect(containerd).toContain('conf_template = "/etc/berth/cni-template.json"');
    expect(containerd).toContain('config_path = "/etc/containerd/certs.d"');
    expect(await readFile(join(root, "etc/berth/bootstrap.kubeconfig"), "utf8")).toContain(`token: ${token}`);
    const before = await snapshot();
    const second = await install(...args, "--discovery-token-ca-cert-hash", hash, "--node-ip", "10.0.0.7");
    expect(steps(second.stdout).filter((l) => !l.endsWith(": unchanged"))).toEqual([]);
    expect(second.calls.filter((c) => !/ is-(enabled|active) /.test(c))).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it("upgrade replaces code that differs from the source and restarts every service", async () => {
    await writeFile(join(root, "opt/berth/current/dist/cli/main.js"), "// an older berth\n", { flag: "a" });
    const { stdout, calls } = await install("upgrade");
    expect(stdout).toContain("berth-install: /opt/berth/current: installed from");
    for (const unit of ["berth-apiserver", "berth-controller-manager", "berth-scheduler", "berth-agent"]) {
      expect(calls).toContain(`systemctl restart ${unit}.service`);
    }
    const again = await install("upgrade");
    expect(steps(again.stdout).filter((l) => !l.endsWith(": unchanged"))).toEqual([]);
  });

  it("uninstall removes every unit, file and directory it created", async () => {
    const { calls } = await install("uninstall");
    for (const unit of ["berth-apiserver", "berth-controller-manager", "berth-scheduler", "berth-agent"]) {
      expect(calls).toContain(`systemctl disable --now --quiet ${unit}.service`);
    }
    expect([...(await snapshot()).keys()]).toEqual([]);
    const left = await run("find", [root, "-mindepth", "1", "-not", "-type", "d"]);
    expect(left.stdout).toBe("");
    expect(await readdir(join(root, "etc/systemd/system"))).toEqual([]);
    expect(await readdir(join(root, "etc/containerd"))).toEqual([]);
  });
});
