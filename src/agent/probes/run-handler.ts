/**
 * Runs one handler (exec, httpGet, tcpSocket, grpc) against one container: the runners per kind
 * behind one call, shared by the prober and the lifecycle hooks. Hosts default to the pod's IP;
 * ports resolve from the container's named ports. A handler that cannot run at all (no pod IP, an
 * unknown port name, the runtime refusing the exec) rejects; a handler that ran answers an outcome.
 * The target's signal (the probe worker stopping) ends the wait at once with its reason, and the
 * network runners close their connections then; an exec is left to the runtime's own timeout (CRI
 * ExecSync cannot be cancelled), and every result after the signal is dropped.
 */
import type { IContainer } from "kubernetes-models/v1";
import { BerthError, ErrorCode, untilAborted } from "../../common/index.js";
import { PROBE_USER_AGENT } from "./constants.js";
import { runExecProbe, type ExecRuntime } from "./exec-runner.js";
import { resolveContainerPort, type Handler } from "./handler.js";
import { probeUrl, runHttpProbe } from "./http-runner.js";
import type { ProbeOutcome } from "./outcome.js";
import { runTcpProbe } from "./tcp-runner.js";

export interface HandlerTarget {
  readonly container: IContainer;
  readonly containerId: string;
  /** The pod's IP, the default host of network handlers (the node's IP for host-network pods). */
  readonly podIP: string | undefined;
  /** Aborted when the probe is no longer wanted (its worker stopped): the run ends at once. */
  readonly signal?: AbortSignal;
}

function hostOf(host: string | undefined, target: HandlerTarget): string {
  const resolved = host ?? target.podIP;
  if (resolved === undefined || resolved === "") {
    throw new BerthError(ErrorCode.Invalid, `no pod IP to probe container ${target.container.name}`);
  }
  return resolved;
}

export async function runProbeHandler(
  runtime: ExecRuntime,
  handler: Handler,
  target: HandlerTarget,
  timeoutSeconds: number,
): Promise<ProbeOutcome> {
  target.signal?.throwIfAborted();
  return untilAborted(runHandler(runtime, handler, target, timeoutSeconds), target.signal);
}

async function runHandler(
  runtime: ExecRuntime,
  handler: Handler,
  target: HandlerTarget,
  timeoutSeconds: number,
): Promise<ProbeOutcome> {
  const timeoutMs = timeoutSeconds * 1000;
  switch (handler.kind) {
    case "exec":
      return runExecProbe(runtime, target.containerId, handler.command, timeoutSeconds);
    case "httpGet": {
      const port = resolveContainerPort(handler.port, target.container);
      const url = probeUrl(handler.scheme, hostOf(handler.host, target), port, handler.path);
      return runHttpProbe({
        url,
        headers: handler.headers,
        timeoutMs,
        userAgent: PROBE_USER_AGENT,
        signal: target.signal,
      });
    }
    case "tcpSocket": {
      const port = resolveContainerPort(handler.port, target.container);
      return runTcpProbe(hostOf(handler.host, target), port, timeoutMs, target.signal);
    }
    case "grpc": {
      const port = resolveContainerPort(handler.port, target.container);
      // node:http2 is loaded on the first grpc probe only: most nodes never run one, and it costs
      // the agent about a megabyte of code it would carry for nothing (docs/agent.md, Memory).
      const { runGrpcProbe } = await import("./grpc-runner.js");
      return runGrpcProbe(
        hostOf(undefined, target),
        port,
        handler.service,
        timeoutMs,
        PROBE_USER_AGENT,
        target.signal,
      );
    }
    case "sleep":
      throw new BerthError(ErrorCode.Invalid, "a probe cannot sleep");
  }
}
