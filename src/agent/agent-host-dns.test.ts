import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCode, hasCode } from "../common/index.js";
import { parseResolvConf, readHostResolver } from "./agent-host-dns.js";

describe("parseResolvConf", () => {
  it("reads nameservers, search paths and options", () => {
    const text = [
      "# generated",
      "nameserver 10.0.0.2",
      "nameserver   fd00::53 # second",
      "search example.com corp.example.com",
      "options ndots:2 edns0",
      "; old style comment",
      "sortlist 130.155.160.0/255.255.240.0",
      "",
    ].join("\n");
    expect(parseResolvConf(text)).toEqual({
      servers: ["10.0.0.2", "fd00::53"],
      searches: ["example.com", "corp.example.com"],
      options: ["ndots:2", "edns0"],
    });
  });

  it("lets the last search or domain line win and drops '.'", () => {
    expect(parseResolvConf("search a.example\ndomain b.example\n").searches).toEqual(["b.example"]);
    expect(parseResolvConf("search .\n").searches).toEqual([]);
  });

  it("takes an empty file as no resolver", () => {
    expect(parseResolvConf("")).toEqual({ servers: [], searches: [], options: [] });
  });
});

describe("readHostResolver", () => {
  it('reads the file, and "" as none', async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-resolv-"));
    try {
      const file = join(dir, "resolv.conf");
      await writeFile(file, "nameserver 192.0.2.1\n");
      expect((await readHostResolver(file)).servers).toEqual(["192.0.2.1"]);
      expect(await readHostResolver("")).toEqual({ servers: [], searches: [], options: [] });
      const err: unknown = await readHostResolver(join(dir, "missing")).catch((e: unknown) => e);
      expect(hasCode(err, ErrorCode.Config)).toBe(true);
      expect((err as Error).message).toMatch(/^resolvConf: cannot read ".*missing"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
