import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createErrorHandler, createNotFoundHandler, HttpError } from "./errors.ts";
import { createTestLogger } from "./test-logger.ts";

function createTestApp() {
  const { logger, lines } = createTestLogger();
  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.notFound(createNotFoundHandler());
  app.get("/teapot", () => {
    throw new HttpError(418, "The pot contains tea.");
  });
  app.get("/unavailable", () => {
    throw new HttpError(503, "The store is unavailable.");
  });
  app.get("/hono", () => {
    throw new HTTPException(401, { message: "Log in first." });
  });
  app.get("/bug", () => {
    throw new Error("secret detail");
  });
  return { app, lines };
}

const httpErrorSuite = suite("HttpError");

httpErrorSuite("keeps status, message and cause", () => {
  const cause = new Error("disk full");
  const error = new HttpError(507, "Cannot store the file.", { cause });

  assert.is(error.status, 507);
  assert.is(error.message, "Cannot store the file.");
  assert.is(error.cause, cause);
  assert.is(error.name, "HttpError");
});

httpErrorSuite.run();

const errorHandlerSuite = suite("createErrorHandler");

errorHandlerSuite("sends HttpError as JSON", async () => {
  const { app } = createTestApp();

  const response = await app.request("/teapot");

  assert.is(response.status, 418);
  assert.is(response.headers.get("content-type"), "application/json");
  assert.equal(await response.json(), { error: "The pot contains tea.", status: 418 });
});

errorHandlerSuite("logs client errors as warnings", async () => {
  const { app, lines } = createTestApp();

  await app.request("/teapot");

  assert.is(lines.length, 1);
  assert.is(lines[0]?.level, "warn");
  assert.is(lines[0]?.path, "/teapot");
  assert.is(lines[0]?.status, 418);
});

errorHandlerSuite("logs server HttpError as error", async () => {
  const { app, lines } = createTestApp();

  const response = await app.request("/unavailable");

  assert.is(response.status, 503);
  assert.is(lines[0]?.level, "error");
});

errorHandlerSuite("maps Hono HTTPException", async () => {
  const { app } = createTestApp();

  const response = await app.request("/hono");

  assert.is(response.status, 401);
  assert.equal(await response.json(), { error: "Log in first.", status: 401 });
});

errorHandlerSuite("hides unknown errors behind 500", async () => {
  const { app } = createTestApp();

  const response = await app.request("/bug");
  const body = await response.json();

  assert.is(response.status, 500);
  assert.is(body.status, 500);
  assert.not.ok(JSON.stringify(body).includes("secret detail"));
});

errorHandlerSuite("logs unknown errors with details", async () => {
  const { app, lines } = createTestApp();

  await app.request("/bug");

  assert.is(lines[0]?.level, "error");
  assert.is(lines[0]?.method, "GET");
  assert.is((lines[0]?.error as { message?: string } | undefined)?.message, "secret detail");
});

errorHandlerSuite.run();

const notFoundSuite = suite("createNotFoundHandler");

notFoundSuite("names method and path", async () => {
  const { app } = createTestApp();

  const response = await app.request("/missing", { method: "DELETE" });

  assert.is(response.status, 404);
  assert.equal(await response.json(), { error: "No route matches DELETE /missing.", status: 404 });
});

notFoundSuite.run();
