import { Hono } from "hono";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createErrorHandler } from "./errors.ts";
import { logRequests } from "./request-log.ts";
import { createTestLogger } from "./test-logger.ts";

const logRequestsSuite = suite("logRequests");

function createTestApp() {
  const { logger, lines } = createTestLogger();
  const ticks = [100, 112.34];
  const app = new Hono();
  app.use(logRequests(logger, () => ticks.shift() ?? 0));
  app.onError(createErrorHandler(logger));
  app.get("/ok", (c) => c.text("ok"));
  app.get("/bug", () => {
    throw new Error("boom");
  });
  return { app, lines };
}

logRequestsSuite("logs method, path, status, duration", async () => {
  const { app, lines } = createTestApp();

  await app.request("/ok?query=1", { method: "GET" });

  assert.equal(lines[0], {
    time: lines[0]?.time,
    level: "info",
    service: "test",
    message: "Request handled",
    method: "GET",
    path: "/ok",
    status: 200,
    durationMs: 12.3,
  });
});

logRequestsSuite("logs the status of failed requests", async () => {
  const { app, lines } = createTestApp();

  await app.request("/bug");

  const requestLine = lines.find((line) => line.message === "Request handled");
  assert.is(requestLine?.status, 500);
});

logRequestsSuite("logs unmatched routes as 404", async () => {
  const { app, lines } = createTestApp();

  await app.request("/nowhere");

  assert.is(lines[0]?.status, 404);
  assert.is(lines[0]?.path, "/nowhere");
});

logRequestsSuite.run();
