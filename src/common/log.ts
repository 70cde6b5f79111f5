import { pino, type Logger } from "pino";

export type { Logger };

/** Paths whose values never reach a log line. */
const REDACT = [
  "token",
  "password",
  "*.token",
  "*.password",
  "headers.authorization",
  "req.headers.authorization",
  "auth",
  "*.auth",
];

export interface LogOptions {
  readonly level?: string;
  readonly name?: string;
  /** Where lines go; defaults to stderr so that stdout stays for command output. */
  readonly destination?: NodeJS.WritableStream;
}

/** The root logger of a component. Children carry context: log.child({ pod: "ns/name" }). */
export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env["BERTH_LOG_LEVEL"] ?? "info",
      name: options.name ?? "berth",
      redact: { paths: REDACT, censor: "[redacted]" },
      base: undefined,
    },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** A logger that writes nothing, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
