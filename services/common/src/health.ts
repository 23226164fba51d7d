import { Hono } from "hono";

/**
 * Readiness state of a service. It starts ready and turns not ready, for good, once shutdown
 * begins, so that Kubernetes removes the pod from the Service endpoints before the server closes.
 */
export class Readiness {
  #ready = true;

  /** Whether the service accepts new traffic. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Marks the service as not ready. Calling it again has no effect. */
  markNotReady(): void {
    this.#ready = false;
  }
}

/**
 * Creates the probe routes. `GET /healthz` (liveness) always returns 200, because a pod that is
 * shutting down is still alive. `GET /readyz` returns 200 while ready and 503 once shutdown has begun.
 */
export function createHealthRoutes(readiness: Readiness): Hono {
  const routes = new Hono();

  routes.get("/healthz", (c) => c.json({ status: "ok" }));
  routes.get("/readyz", (c) => {
    if (readiness.ready) return c.json({ status: "ready" });
    return c.json({ status: "shutting down" }, 503);
  });

  return routes;
}
