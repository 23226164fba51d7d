import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { createErrorHandler, createNotFoundHandler } from "./errors.ts";
import { createHealthRoutes, Readiness } from "./health.ts";
import type { Logger } from "./logger.ts";
import { logRequests } from "./request-log.ts";

/** Largest request body a service accepts; the services only serve GET requests. */
export const MAX_BODY_BYTES = 16 * 1024;

// The frontend's page has inline styles and data: images, and no scripts.
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  imgSrc: ["data:"],
  styleSrc: ["'unsafe-inline'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/** A service's Hono app together with the readiness state that its shutdown changes. */
export interface ServiceApp {
  app: Hono;
  readiness: Readiness;
}

/**
 * Creates a Hono app with the behaviour every service shares: request logging, JSON errors,
 * a JSON 404, `/healthz` and `/readyz`, and a request body limit. Responses carry security
 * headers with a content security policy that allows no scripts, and `Connection: close` once
 * shutdown has begun. The caller adds its own routes to `app`.
 */
export function createServiceApp(logger: Logger): ServiceApp {
  const readiness = new Readiness();
  const app = new Hono();

  app.use(logRequests(logger));
  app.use(closeConnectionsWhenNotReady(readiness));
  app.use(secureHeaders({ contentSecurityPolicy: CONTENT_SECURITY_POLICY }));
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `Request body larger than ${MAX_BODY_BYTES} bytes` }, 413),
    }),
  );
  app.onError(createErrorHandler(logger));
  app.notFound(createNotFoundHandler());
  app.route("/", createHealthRoutes(readiness));

  return { app, readiness };
}

// Node's server.close() closes only idle keep-alive connections. A connection that is serving a
// request when shutdown begins would stay open until its keep-alive timeout, delaying the exit,
// so responses sent during shutdown ask the client to close the connection.
function closeConnectionsWhenNotReady(readiness: Readiness): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!readiness.ready) c.header("Connection", "close");
  };
}
