import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHealthRoutes, Readiness } from "./health.ts";

const readinessSuite = suite("Readiness");

readinessSuite("starts ready", () => {
  assert.ok(new Readiness().ready);
});

readinessSuite("stays not ready once marked", () => {
  const readiness = new Readiness();

  readiness.markNotReady();
  readiness.markNotReady();

  assert.not.ok(readiness.ready);
});

readinessSuite.run();

const healthRoutesSuite = suite("createHealthRoutes");

healthRoutesSuite("healthz returns ok", async () => {
  const routes = createHealthRoutes(new Readiness());

  const response = await routes.request("/healthz");

  assert.is(response.status, 200);
  assert.equal(await response.json(), { status: "ok" });
});

healthRoutesSuite("healthz stays ok during shutdown", async () => {
  const readiness = new Readiness();
  const routes = createHealthRoutes(readiness);

  readiness.markNotReady();
  const response = await routes.request("/healthz");

  assert.is(response.status, 200);
});

healthRoutesSuite("readyz returns 200 while ready", async () => {
  const routes = createHealthRoutes(new Readiness());

  const response = await routes.request("/readyz");

  assert.is(response.status, 200);
  assert.equal(await response.json(), { status: "ready" });
});

healthRoutesSuite("readyz returns 503 once not ready", async () => {
  const readiness = new Readiness();
  const routes = createHealthRoutes(readiness);

  readiness.markNotReady();
  const response = await routes.request("/readyz");

  assert.is(response.status, 503);
  assert.equal(await response.json(), { status: "shutting down" });
});

healthRoutesSuite.run();
