/**
 * RuntimeClass name -> runtime handler (kubelet: pkg/kubelet/runtimeclass Manager
 * LookupRuntimeHandler). No class means the runtime's default handler (""). A class that does not
 * exist is an error, so that the pod is never run under the default runtime instead. Found classes
 * are kept for a short while; a miss is asked again next time, so that a class created after the
 * pod is picked up at the sandbox's next attempt.
 */
import { resourcePath, type ApiClient } from "../../api/index.js";
import { BerthError, ErrorCode, isNotFound, errorMessage, type Clock } from "../../common/index.js";

/** How long a RuntimeClass read from the API server is used before it is read again. */
export const RUNTIME_CLASS_CACHE_TTL_MS = 10_000;

/** The part of node.k8s.io/v1 RuntimeClass the agent reads. */
interface RuntimeClass {
  readonly handler?: string;
}

export class RuntimeClassGetter {
  readonly #client: Pick<ApiClient, "get">;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { handler: string; at: number }>();

  constructor(options: { readonly client: Pick<ApiClient, "get">; readonly clock: Clock }) {
    this.#client = options.client;
    this.#clock = options.clock;
  }

  /** The handler of `runtimeClassName`; throws NotFound (`runtimeclass.node.k8s.io "x" not found`). */
  async handler(runtimeClassName: string | undefined): Promise<string> {
    if (runtimeClassName === undefined || runtimeClassName === "") return "";
    const now = this.#clock.now();
    const cached = this.#cache.get(runtimeClassName);
    if (cached !== undefined && now - cached.at < RUNTIME_CLASS_CACHE_TTL_MS) return cached.handler;
    let rc: RuntimeClass;
    try {
      rc = await this.#client.get<RuntimeClass>(
        resourcePath({
          group: "node.k8s.io",
          version: "v1",
          resource: "runtimeclasses",
          name: runtimeClassName,
        }),
      );
    } catch (err) {
      this.#cache.delete(runtimeClassName);
      if (isNotFound(err)) {
        throw new BerthError(
          ErrorCode.NotFound,
          `runtimeclass.node.k8s.io ${JSON.stringify(runtimeClassName)} not found`,
          {
            cause: err,
          },
        );
      }
      throw new BerthError(
        ErrorCode.Internal,
        `failed to lookup RuntimeClass ${runtimeClassName}: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    const handler = rc.handler ?? "";
    this.#cache.set(runtimeClassName, { handler, at: now });
    return handler;
  }
}
