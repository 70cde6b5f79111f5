/**
 * What a probe or a lifecycle hook does, as a discriminated union of the core/v1 actions
 * (ExecAction, HTTPGetAction, TCPSocketAction, GRPCAction, SleepAction), and how a port given by
 * number or by name resolves against the container's ports (probe.ResolveContainerPort).
 */
import type { IContainer, IHTTPHeader, IProbe, ILifecycleHandler } from "kubernetes-models/v1";
import { BerthError, ErrorCode } from "../../common/index.js";

export type Handler =
  | { readonly kind: "exec"; readonly command: readonly string[] }
  | {
      readonly kind: "httpGet";
      readonly scheme: "http" | "https";
      readonly host: string | undefined;
      readonly path: string;
      readonly port: number | string;
      readonly headers: readonly IHTTPHeader[];
    }
  | { readonly kind: "tcpSocket"; readonly host: string | undefined; readonly port: number | string }
  | { readonly kind: "grpc"; readonly port: number; readonly service: string }
  | { readonly kind: "sleep"; readonly seconds: number };

/** The handler of a probe or a lifecycle hook; undefined when it names none (validation forbids that). */
export function handlerOf(spec: IProbe | ILifecycleHandler): Handler | undefined {
  if (spec.exec !== undefined) return { kind: "exec", command: spec.exec.command ?? [] };
  if (spec.httpGet !== undefined) {
    const g = spec.httpGet;
    return {
      kind: "httpGet",
      scheme: g.scheme === "HTTPS" ? "https" : "http",
      host: g.host || undefined,
      path: g.path ?? "",
      port: g.port,
      headers: g.httpHeaders ?? [],
    };
  }
  if (spec.tcpSocket !== undefined) {
    return { kind: "tcpSocket", host: spec.tcpSocket.host || undefined, port: spec.tcpSocket.port };
  }
  if ("grpc" in spec && spec.grpc !== undefined) {
    return { kind: "grpc", port: spec.grpc.port, service: spec.grpc.service ?? "" };
  }
  if ("sleep" in spec && spec.sleep !== undefined) return { kind: "sleep", seconds: spec.sleep.seconds };
  return undefined;
}

/**
 * A port by number, by the name of one of the container's ports, or a number written as a string
 * (probe.ResolveContainerPort). Out of range or unknown: a BerthError Invalid.
 */
export function resolveContainerPort(port: number | string, container: IContainer): number {
  let resolved: number;
  if (typeof port === "number") {
    resolved = port;
  } else {
    const named = (container.ports ?? []).find((p) => p.name === port);
    if (named !== undefined) resolved = named.containerPort;
    else if (/^\d+$/.test(port)) resolved = Number.parseInt(port, 10);
    else
      throw new BerthError(ErrorCode.Invalid, `couldn't find port: ${port} in container ${container.name}`);
  }
  if (!(Number.isInteger(resolved) && resolved > 0 && resolved < 65536)) {
    throw new BerthError(ErrorCode.Invalid, `invalid port number: ${resolved}`);
  }
  return resolved;
}

/** host:port with brackets around an IPv6 host (net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
