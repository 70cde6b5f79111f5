/**
 * Pod security as the kube-apiserver enforces it, through the real kubectl against a fresh
 * server: node.k8s.io/v1 RuntimeClass (get, apply, describe) and its admission on pod create.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, run, startServer, type TestServer } from "./support.js";

const KUBECTL = "/usr/bin/kubectl";

interface Output {
  readonly stdout: string;
  readonly stderr: string;
}

describe("pod security admission through kubectl", () => {
  let s: TestServer;
  let api: Api;
  let kubectl: (...args: string[]) => Promise<Output>;
  /** kubectl expected to fail: its stderr. */
  let kubectlFails: (...args: string[]) => Promise<string>;
  let manifest: (name: string, text: string) => Promise<string>;

  beforeAll(async () => {
    s = await startServer();
    api = new Api(s);
    const env = { ...process.env, KUBECONFIG: s.kubeconfig };
    const cacheDir = join(s.dir, "kubectl-cache");
    kubectl = async (...args) => {
      try {
        return await run(KUBECTL, ["--cache-dir", cacheDir, ...args], { env, timeout: 30_000 });
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`kubectl ${args.join(" ")} failed: ${e.stderr ?? e.message}`, { cause: err });
      }
    };
    kubectlFails = async (...args) => {
      const result = await run(KUBECTL, ["--cache-dir", cacheDir, ...args], { env, timeout: 30_000 }).then(
        (out) => ({ ok: true as const, out }),
        (err: unknown) => ({ ok: false as const, stderr: (err as { stderr?: string }).stderr ?? "" }),
      );
      if (result.ok) throw new Error(`kubectl ${args.join(" ")} succeeded: ${result.out.stdout}`);
      return result.stderr;
    };
    manifest = async (name, text) => {
      const path = join(s.dir, name);
      await writeFile(path, text);
      return path;
    };
  });
  afterAll(async () => {
    await api?.close();
    await s?.stop();
  });

  describe("RuntimeClass", () => {
    it("is applied, listed with its handler, described, and keeps its handler", async () => {
      const path = await manifest(
        "gvisor.yaml",
        [
          "apiVersion: node.k8s.io/v1",
          "kind: RuntimeClass",
          "metadata: {name: gvisor}",
          "handler: runsc",
          "overhead:",
          "  podFixed: {cpu: 250m, memory: 120Mi}",
          "scheduling:",
          "  nodeSelector: {sandbox: gvisor}",
          "  tolerations:",
          "  - {key: sandbox, operator: Exists, effect: NoSchedule}",
          "",
        ].join("\n"),
      );
      expect((await kubectl("apply", "-f", path)).stdout).toBe("runtimeclass.node.k8s.io/gvisor created\n");
      const table = (await kubectl("get", "runtimeclasses")).stdout.split("\n");
      expect(table[0]).toMatch(/^NAME\s+HANDLER\s+AGE$/);
      expect(table[1]).toMatch(/^gvisor\s+runsc\s+\d+s$/);
      const described = (await kubectl("describe", "runtimeclass", "gvisor")).stdout;
      expect(described).toMatch(/Handler:\s+runsc/);
      const immutable = await kubectlFails(
        "patch",
        "runtimeclass",
        "gvisor",
        "--type=merge",
        "-p",
        '{"handler":"kata"}',
      );
      expect(immutable).toContain(
        'The RuntimeClass "gvisor" is invalid: handler: Invalid value: "kata": field is immutable',
      );
      const bad = await manifest(
        "bad-handler.yaml",
        "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: bad}\nhandler: Not_A_Label\n",
      );
      expect(await kubectlFails("apply", "-f", bad)).toContain(
        'The RuntimeClass "bad" is invalid: handler: Invalid value: "Not_A_Label": a lowercase RFC 1123 label',
      );
    });
  });
});
