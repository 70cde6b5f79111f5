import { describe, expect, it } from "vitest";
import { parseArgv, parseScript, tokenize } from "./program.js";

const kinds = (argv: string[]): string[] => parseArgv(argv).map((s) => s.statement.kind);

describe("fake program model", () => {
  it("reads sh -c scripts statement by statement", () => {
    const script = parseArgv(["sh", "-c", "echo one; echo 'two words' >&2\nexit 3"]);
    expect(script.map((s) => s.statement)).toEqual([
      { kind: "echo", text: "one", stream: "stdout" },
      { kind: "echo", text: "two words", stream: "stderr" },
      { kind: "exit", code: 3 },
    ]);
  });

  it("keeps redirections out of the statement separators", () => {
    expect(parseScript("echo a 1>&2; true").map((s) => s.statement.kind)).toEqual(["echo", "exit"]);
  });

  it("marks && steps and stops at a loop", () => {
    const script = parseScript(
      "false && echo never; trap 'exit 0' TERM; while true; do sleep 1; done; echo after",
    );
    expect(script.map((s) => [s.statement.kind, s.andThen])).toEqual([
      ["exit", false],
      ["echo", true],
      ["trap", false],
      ["forever", false],
    ]);
    const trap = script[2]?.statement;
    expect(trap?.kind === "trap" && trap.action.map((s) => s.statement)).toEqual([{ kind: "exit", code: 0 }]);
  });

  it("models sleeps, listeners, clients and memory hogs", () => {
    expect(parseArgv(["sleep", "1.5"])[0]?.statement).toEqual({ kind: "sleep", ms: 1500 });
    expect(parseArgv(["sleep", "infinity"])[0]?.statement).toEqual({ kind: "sleep", ms: Infinity });
    expect(parseArgv(["httpd", "-f", "-p", "8080"])[0]?.statement).toEqual({ kind: "listen", port: 8080 });
    expect(parseArgv(["nc", "-l", "-p", "127.0.0.1:9000"])[0]?.statement).toEqual({
      kind: "listen",
      port: 9000,
    });
    expect(parseArgv(["wget", "-q", "http://127.0.0.1:8080/x"])[0]?.statement).toEqual({
      kind: "connect",
      port: 8080,
    });
    expect(parseArgv(["wget", "http://localhost/"])[0]?.statement).toEqual({ kind: "connect", port: 80 });
    expect(kinds(["tail", "/dev/zero"])).toEqual(["hog"]);
  });

  it("treats an empty argv or an unknown program as a server", () => {
    expect(kinds([])).toEqual(["server"]);
    expect(kinds(["/usr/bin/nginx", "-g", "daemon off;"])).toEqual(["server"]);
  });

  it("wraps exit codes into 0..255", () => {
    expect(parseArgv(["sh", "-c", "exit 257"])[0]?.statement).toEqual({ kind: "exit", code: 1 });
  });

  it("tokenizes quotes without expansion", () => {
    expect(tokenize(`echo "a b" 'c d' e`)).toEqual(["echo", "a b", "c d", "e"]);
    expect(tokenize(`echo ""`)).toEqual(["echo", ""]);
  });
  it("reads id with its flag", () => {
    expect(parseArgv(["id", "-u"])[0]?.statement).toEqual({ kind: "id", print: "uid" });
    expect(parseArgv(["id", "-g"])[0]?.statement).toEqual({ kind: "id", print: "gid" });
    expect(parseArgv(["id"])[0]?.statement).toEqual({ kind: "id", print: "all" });
  });
});
