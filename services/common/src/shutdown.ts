import { setTimeout as sleep } from "node:timers/promises";
import type { Readiness } from "./health.ts";
import type { Logger } from "./logger.ts";

/** The part of a Node HTTP server that shutdown uses. */
export interface ClosableServer {
  close(callback?: (error?: Error) => void): unknown;
  closeAllConnections?(): void;
}

/** Options for {@link shutdownGracefully}. */
export interface ShutdownOptions {
  server: ClosableServer;
  readiness: Readiness;
  logger: Logger;
  /** Time in ms to keep serving after marking the pod not ready. With 0, the server closes at once. */
  delayMs: number;
  /** Maximum time in ms to wait for in-flight requests once the server has stopped accepting connections. */
  timeoutMs: number;
  /** Name of the signal that started the shutdown, for the log. */
  signal?: string;
}

/** Outcome of a shutdown. "clean" means that every request finished, "timeout" that the deadline passed first. */
export type ShutdownResult = "clean" | "timeout";

/**
 * Shuts a server down in three phases and logs each one.
 * 1. Mark the service not ready, so `/readyz` returns 503 and Kubernetes removes the pod from
 *    the Service endpoints.
 * 2. Keep serving for `delayMs`, because endpoint removal reaches kube-proxy and ingress
 *    controllers with a delay.
 * 3. Close the server and wait at most `timeoutMs` for in-flight requests. At the deadline the
 *    remaining connections are destroyed and the result is "timeout".
 */
export async function shutdownGracefully(options: ShutdownOptions): Promise<ShutdownResult> {
  const { server, readiness, logger, delayMs, timeoutMs } = options;

  // 1. Mark not ready
  readiness.markNotReady();
  logger.info("Shutdown started, /readyz now returns 503", { signal: options.signal, delayMs });

  // 2. Wait for endpoint removal
  if (delayMs > 0) await sleep(delayMs);

  // 3. Stop accepting connections and drain
  logger.info("Closing the server and waiting for in-flight requests", { timeoutMs });
  const result = await closeWithDeadline(server, timeoutMs, logger);
  if (result === "clean") {
    logger.info("Server closed, all requests finished");
  } else {
    server.closeAllConnections?.();
    logger.error(`Shutdown timed out after ${timeoutMs} ms with requests still in flight, closing them`, {
      timeoutMs,
    });
  }
  return result;
}

function closeWithDeadline(
  server: ClosableServer,
  timeoutMs: number,
  logger: Logger,
): Promise<ShutdownResult> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => resolve("timeout"), timeoutMs);
    server.close((error) => {
      // Node reports ERR_SERVER_NOT_RUNNING here, which leaves nothing to drain.
      if (error) logger.warn("Server was not running when shutdown closed it", { error });
      clearTimeout(deadline);
      resolve("clean");
    });
  });
}
