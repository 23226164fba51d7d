import { type ServerType, serve } from "@hono/node-server";
import { ConfigError } from "./env.ts";
import type { Readiness } from "./health.ts";
import type { Logger } from "./logger.ts";
import { shutdownGracefully } from "./shutdown.ts";

/** Emitter of process signals. It is `process` in production and an EventEmitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Options for {@link startServer}. */
export interface StartServerOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  readiness: Readiness;
  logger: Logger;
  port: number;
  /** Address to listen on. The default is all interfaces. */
  hostname?: string;
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
  /** Source of the shutdown signals, `process` by default. */
  signals?: SignalSource;
  /** Function that ends the process with an exit code, `process.exit` by default. */
  exit?: (code: number) => void;
}

/** Signals that start a graceful shutdown: SIGTERM from Kubernetes, SIGINT from a terminal. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

/**
 * Starts an HTTP server for `fetch` and shuts it down gracefully on SIGTERM or SIGINT, then
 * exits with 0 when every request finished or 1 when the shutdown timed out. A second signal
 * during shutdown exits at once with 1. A server error, such as a port already in use, is
 * logged and exits with 1.
 */
export function startServer(options: StartServerOptions): ServerType {
  const { logger } = options;
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));

  // 1. Listen
  const server = serve(
    { fetch: options.fetch, port: options.port, hostname: options.hostname },
    (address) => {
      logger.info(`Listening on port ${address.port}`, { address: address.address, port: address.port });
    },
  );
  server.on("error", (error) => {
    logger.error("Server failed", { error });
    exit(1);
  });

  // 2. Shut down on signals
  let shuttingDown = false;
  const onSignal = async (signal: NodeJS.Signals): Promise<void> => {
    if (shuttingDown) {
      logger.warn(`Received ${signal} again during shutdown, exiting at once`, { signal });
      exit(1);
      return;
    }
    shuttingDown = true;

    const result = await shutdownGracefully({
      server,
      readiness: options.readiness,
      logger,
      delayMs: options.shutdownDelayMs,
      timeoutMs: options.shutdownTimeoutMs,
      signal,
    });
    exit(result === "clean" ? 0 : 1);
  };
  for (const signal of SHUTDOWN_SIGNALS) signals.on(signal, onSignal);

  return server;
}

/** Logs why a service could not start, listing each invalid setting for a {@link ConfigError}. */
export function logStartupFailure(logger: Logger, error: unknown): void {
  if (error instanceof ConfigError) {
    logger.error(`The server did not start because its configuration is invalid. ${error.message}`, {
      problems: error.problems,
    });
  } else {
    logger.error("The server did not start", { error });
  }
}
