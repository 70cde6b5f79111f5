/**
 * postStart and preStop (kubelet: lifecycle.handlerRunner and kuberuntime's executePreStopHook):
 * exec in the container (no timeout of its own; a non-zero exit fails), httpGet to the pod (only a
 * transport error fails, the status code does not), sleep. Failures are worded as the kubelet's
 * ("Exec lifecycle hook ([sh -c exit 1]) for Container "c" in Pod "p_ns(uid)" failed - error: ...").
 */
import type { IContainer, ILifecycleHandler, IPod } from "kubernetes-models/v1";
import { errorMessage, type Clock, type Logger } from "../../common/index.js";
import type { EventRecorder } from "../events/index.js";
import {
  LIFECYCLE_USER_AGENT,
  containerEventRef,
  execInContainer,
  handlerOf,
  httpGet,
  probeUrl,
  resolveContainerPort,
  type ExecRuntime,
} from "../probes/index.js";
import {
  MINIMUM_GRACE_AFTER_PRE_STOP_SECONDS,
  POST_START_HTTP_TIMEOUT_MS,
  REASON_FAILED_POST_START_HOOK,
  REASON_FAILED_PRE_STOP_HOOK,
} from "./constants.js";

export interface HookRunnerOptions {
  readonly runtime: ExecRuntime;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The container a hook runs for. */
export interface HookTarget {
  readonly pod: IPod;
  readonly container: IContainer;
  readonly init: boolean;
  readonly containerId: string;
  readonly podIP: string | undefined;
}

/** "name_namespace(uid)" (kubelet: format.Pod). */
function podText(pod: IPod): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ""}_${m.namespace ?? ""}(${m.uid ?? ""})`;
}

/** Go's %v of a []string: "[sh -c exit 1]". */
function goList(items: readonly string[]): string {
  return `[${items.join(" ")}]`;
}

export class HookRunner {
  readonly #o: HookRunnerOptions;
  readonly #log: Logger;

  constructor(options: HookRunnerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "lifecycle" });
  }

  /**
   * Runs postStart when the container has one. Undefined when there is none or it succeeded, else
   * the failure message (the FailedPostStartHook event is recorded; the caller kills the container).
   */
  async postStart(target: HookTarget): Promise<string | undefined> {
    const hook = target.container.lifecycle?.postStart;
    if (hook === undefined) return undefined;
    const message = await this.run(target, hook, POST_START_HTTP_TIMEOUT_MS);
    if (message !== undefined) {
      this.#o.recorder.event(
        containerEventRef(target.pod, target.container, target.init),
        "Warning",
        REASON_FAILED_POST_START_HOOK,
        message,
      );
    }
    return message;
  }

  /**
   * Runs preStop when the container has one, for at most graceSeconds (or until the signal), and
   * answers the grace SIGTERM gets after it: what is left, at least 2 s. Without a hook the grace
   * is unchanged.
   */
  async preStop(target: HookTarget, graceSeconds: number, signal?: AbortSignal): Promise<number> {
    const hook = target.container.lifecycle?.preStop;
    if (hook === undefined || graceSeconds <= 0 || signal?.aborted) return graceSeconds;
    const { clock, recorder } = this.#o;
    const start = clock.now();
    const deadline = new AbortController();
    // A newer deletion (a shorter grace) stops the wait for the hook.
    const interrupt = (): void => deadline.abort();
    signal?.addEventListener("abort", interrupt, { once: true });
    const run = this.run(target, hook, graceSeconds * 1000, deadline.signal).then((message) => {
      if (message !== undefined) {
        recorder.event(
          containerEventRef(target.pod, target.container, target.init),
          "Warning",
          REASON_FAILED_PRE_STOP_HOOK,
          message,
        );
      }
    });
    const timeout = clock.sleep(graceSeconds * 1000, deadline.signal).then(
      () =>
        this.#log.info(
          { pod: podText(target.pod), container: target.container.name },
          "preStop hook not completed in grace period",
        ),
      () => undefined,
    );
    await Promise.race([run, timeout]);
    deadline.abort();
    signal?.removeEventListener("abort", interrupt);
    const elapsed = Math.trunc((clock.now() - start) / 1000);
    return Math.max(MINIMUM_GRACE_AFTER_PRE_STOP_SECONDS, graceSeconds - elapsed);
  }

  /** Runs one hook; undefined on success, else the kubelet's failure message. */
  async run(
    target: HookTarget,
    hook: ILifecycleHandler,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const { pod, container } = target;
    const handler = handlerOf(hook);
    const where = `for Container ${JSON.stringify(container.name)} in Pod ${JSON.stringify(podText(pod))}`;
    switch (handler?.kind) {
      case "exec": {
        try {
          const r = await execInContainer(this.#o.runtime, target.containerId, handler.command, 0);
          if (r === "timeout")
            return `Exec lifecycle hook (${goList(handler.command)}) ${where} failed - error: command ${JSON.stringify(handler.command.join(" "))} timed out, message: ""`;
          if (r.exitCode === 0) return undefined;
          const error = `command '${handler.command.join(" ")}' exited with ${r.exitCode}: ${r.output}`;
          return `Exec lifecycle hook (${goList(handler.command)}) ${where} failed - error: ${error}, message: ${JSON.stringify(r.output)}`;
        } catch (err) {
          return `Exec lifecycle hook (${goList(handler.command)}) ${where} failed - error: ${errorMessage(err)}, message: ""`;
        }
      }
      case "httpGet": {
        try {
          const port = resolveContainerPort(handler.port, container);
          const host = handler.host ?? target.podIP;
          if (host === undefined || host === "")
            throw new Error(`failed to find networking container: no pod IP`);
          await httpGet({
            url: probeUrl(handler.scheme, host, port, handler.path),
            headers: handler.headers,
            timeoutMs,
            userAgent: LIFECYCLE_USER_AGENT,
          });
          return undefined;
        } catch (err) {
          return `HTTP lifecycle hook (${handler.path}) ${where} failed - error: ${errorMessage(err)}`;
        }
      }
      case "sleep": {
        try {
          await this.#o.clock.sleep(handler.seconds * 1000, signal);
          return undefined;
        } catch (err) {
          if (signal?.aborted) return undefined;
          return `Sleep lifecycle hook (${handler.seconds}) ${where} failed - error: ${errorMessage(err)}`;
        }
      }
      case "tcpSocket":
      case "grpc":
      case undefined:
        return `Cannot run handler: invalid handler: ${JSON.stringify(hook)}`;
    }
  }
}
