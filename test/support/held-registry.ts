/**
 * A loopback proxy in front of the test registry that holds every manifest request until told to
 * let them through: a pull that takes as long as a test needs, from a real registry. Each instance
 * listens on its own port, so its image names (127.0.0.1:PORT/...) are its own; container runtimes
 * speak plain HTTP to a loopback registry without being told.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { testEnv } from "./env.js";

export class HeldRegistry {
  readonly #server: Server;
  readonly #upstream: URL;
  #held: { readonly go: () => void; readonly refuse: () => void }[] = [];
  #holding = true;
  /** Manifest requests that arrived (held or not). */
  manifestRequests = 0;

  private constructor(server: Server, upstream: URL) {
    this.#server = server;
    this.#upstream = upstream;
  }

  static async start(): Promise<HeldRegistry> {
    const upstream = new URL(`http://${testEnv.registry()}`);
    const server = createServer();
    const registry = new HeldRegistry(server, upstream);
    server.on("request", (req, res) => registry.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    return registry;
  }

  /** host:port of the proxy. */
  get host(): string {
    const address = this.#server.address();
    if (address === null || typeof address === "string")
      throw new Error("the held registry is not listening");
    return `127.0.0.1:${address.port}`;
  }

  /** The test image, named through this proxy. */
  testImage(): string {
    const ref = testEnv.testImage();
    return `${this.host}/${ref.slice(ref.indexOf("/") + 1)}`;
  }

  /** Lets the held requests, and every later one, through. */
  release(): void {
    this.#holding = false;
    for (const held of this.#held.splice(0)) held.go();
  }

  /** Answers the requests still held with 503 (their pulls fail, nothing is stored) and stops. */
  async close(): Promise<void> {
    for (const held of this.#held.splice(0)) held.refuse();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const forward = (): void => {
      const upstream = request(
        {
          host: this.#upstream.hostname,
          port: this.#upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: this.#upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", (err) => res.destroy(err));
      req.pipe(upstream);
    };
    if (req.url?.includes("/manifests/")) {
      this.manifestRequests++;
      if (this.#holding) {
        this.#held.push({ go: forward, refuse: () => res.writeHead(503).end() });
        return;
      }
    }
    forward();
  }
}
