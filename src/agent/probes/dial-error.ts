/**
 * Socket errors worded as Go's net package words them ("dial tcp 10.88.0.5:8080: connect:
 * connection refused"), since probe failure messages are the kubelet's.
 */
const CONNECT_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connect: connection refused",
  EHOSTUNREACH: "connect: no route to host",
  ENETUNREACH: "connect: network is unreachable",
  EADDRNOTAVAIL: "connect: cannot assign requested address",
  ECONNRESET: "read: connection reset by peer",
  EPIPE: "write: broken pipe",
  ETIMEDOUT: "i/o timeout",
};

/** "dial tcp ADDR: connect: connection refused", or the error's own message for anything else. */
export function dialErrorText(err: unknown, addr: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known = code === undefined ? undefined : CONNECT_ERRORS[code];
  if (known !== undefined) return `dial tcp ${addr}: ${known}`;
  // OpenSSL's text for it names its own source file; Go's crypto/tls says what happened.
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER") return "tls: first record does not look like a TLS handshake";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    const host = addr.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
    return `dial tcp: lookup ${host}: no such host`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** "dial tcp ADDR: i/o timeout" (net.DialTimeout past its deadline). */
export function dialTimeoutText(addr: string): string {
  return `dial tcp ${addr}: i/o timeout`;
}
