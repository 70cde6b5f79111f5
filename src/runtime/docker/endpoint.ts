/** The Docker endpoint of the configuration ("unix:///run/docker.sock", "tcp://127.0.0.1:2375") to dockerode options. */
import { BerthError, ErrorCode } from "../../common/index.js";

export type DockerEndpoint =
  | { readonly socketPath: string }
  | { readonly host: string; readonly port: number; readonly protocol: "http" | "https" };

export function parseEndpoint(endpoint: string): DockerEndpoint {
  if (endpoint.startsWith("unix://")) {
    const socketPath = endpoint.slice("unix://".length);
    if (socketPath.startsWith("/")) return { socketPath };
  } else if (endpoint.startsWith("/")) {
    return { socketPath: endpoint };
  } else {
    const match = /^(tcp|http|https):\/\/([^/:]+|\[[^\]]+\]):(\d{1,5})\/?$/.exec(endpoint);
    if (match) {
      const [, scheme, host, port] = match as unknown as [string, string, string, string];
      const portNumber = Number(port);
      if (portNumber > 0 && portNumber < 65536) {
        return { host, port: portNumber, protocol: scheme === "https" ? "https" : "http" };
      }
    }
  }
  throw new BerthError(
    ErrorCode.Config,
    `invalid Docker endpoint ${JSON.stringify(endpoint)}: expected unix:///absolute/path or tcp://host:port`,
  );
}
