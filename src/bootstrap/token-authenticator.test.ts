import { describe, expect, it } from "vitest";
import { ManualClock, createLogger } from "../common/index.js";
import { BootstrapTokenAuthenticator, type SecretEvent } from "./token-authenticator.js";
import { tokenSecret } from "./token.js";

function storedSecret(id: string, secret: string, expiresAt: number) {
  const s = tokenSecret({ id, secret }, { expiresAt }) as {
    metadata: object;
    type: string;
    stringData: object;
  };
  const data = Object.fromEntries(
    Object.entries(s.stringData).map(([k, v]) => [k, Buffer.from(String(v)).toString("base64")]),
  );
  return { metadata: s.metadata, type: s.type, data };
}

/** A watch whose events the test pushes. */
function feed() {
  const queue: SecretEvent[] = [];
  let wake: (() => void) | undefined;
  return {
    push(ev: SecretEvent) {
      queue.push(ev);
      wake?.();
    },
    async *watch(signal: AbortSignal): AsyncIterable<SecretEvent> {
      while (!signal.aborted) {
        const ev = queue.shift();
        if (ev !== undefined) {
          yield ev;
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
          signal.addEventListener("abort", () => r(), { once: true });
        });
      }
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("BootstrapTokenAuthenticator", () => {
  it("follows the Secrets: a token works once its Secret is there, until it expires or goes", async () => {
    const clock = new ManualClock(Date.parse("2026-12-03T12:00:00Z"));
    const secrets = feed();
    const authn = new BootstrapTokenAuthenticator({
      watchSecrets: (signal) => secrets.watch(signal),
      clock,
      log: createLogger({ name: "test", level: "silent" }),
    });
    const abort = new AbortController();
    void authn.start(abort.signal);
    const token = "abcdef.0123456789abcdef";
    expect(authn.userForToken(token)).toBeUndefined();
    const secret = storedSecret("abcdef", "0123456789abcdef", clock.now() + 60_000);
    secrets.push({ type: "ADDED", object: secret });
    await settle();
    expect(authn.userForToken(token)?.name).toBe("system:bootstrap:abcdef");
    expect(authn.userForToken("abcdef.0123456789abcdee")).toBeUndefined();
    expect(authn.userForToken("not-a-token")).toBeUndefined();
    await clock.advance(60_000);
    expect(authn.userForToken(token)).toBeUndefined();
    secrets.push({
      type: "MODIFIED",
      object: storedSecret("abcdef", "0123456789abcdef", clock.now() + 60_000),
    });
    await settle();
    expect(authn.userForToken(token)).toBeDefined();
    secrets.push({ type: "DELETED", object: secret });
    await settle();
    expect(authn.userForToken(token)).toBeUndefined();
    abort.abort();
  });
});
