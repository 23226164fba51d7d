import type { MiddlewareHandler } from "hono";
import type { Logger } from "./logger.ts";

/**
 * Creates middleware that logs each request once it has a response, with `method`, `path`,
 * `status` and `durationMs` (milliseconds, one decimal). Requests that failed are logged here
 * too, with the status that the error handler chose.
 */
export function logRequests(logger: Logger, now: () => number = () => performance.now()): MiddlewareHandler {
  return async (c, next) => {
    const start = now();
    await next();
    const durationMs = Math.round((now() - start) * 10) / 10;
    logger.info("Request handled", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs,
    });
  };
}
