import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "./logger.ts";

/** Error that a route throws to send a JSON error response with the given status. */
export class HttpError extends Error {
  override readonly name = "HttpError";

  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Body of every JSON error response. */
export interface ErrorBody {
  error: string;
  status: number;
}

/**
 * Creates the `app.onError` handler. It sends an {@link HttpError} (or Hono's own
 * `HTTPException`) as `{"error": message, "status": status}` and logs it, as a warning below 500
 * and as an error from 500 up. Any other error becomes a 500 with a generic message, so internal
 * details stay in the log and out of the response.
 */
export function createErrorHandler(logger: Logger): ErrorHandler {
  return (error, c) => {
    const request = { method: c.req.method, path: c.req.path };

    if (error instanceof HttpError || error instanceof HTTPException) {
      const fields = { ...request, status: error.status, error };
      if (error.status >= 500) logger.error("Request failed", fields);
      else logger.warn("Request rejected", fields);
      return sendError(c, error.status, error.message);
    }

    logger.error("Request failed with an unexpected error", { ...request, status: 500, error });
    return sendError(c, 500, "Internal server error. The details are in the server log.");
  };
}

/** Creates the `app.notFound` handler, which sends a JSON 404 naming the method and path. */
export function createNotFoundHandler(): NotFoundHandler {
  return (c) => sendError(c, 404, `No route matches ${c.req.method} ${c.req.path}.`);
}

function sendError(c: Context, status: ContentfulStatusCode, message: string): Response {
  const body: ErrorBody = { error: message, status };
  return c.json(body, status);
}
