import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type ServerType, serve } from "@hono/node-server";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { LogFields } from "./logger.ts";
import { createServiceApp } from "./service-app.ts";
import { shutdownGracefully } from "./shutdown.ts";
import { createTestLogger } from "./test-logger.ts";

const shutdownSuite = suite("shutdownGracefully");

/** Promise.withResolvers() needs Node 22, and the project supports Node 20. */
function createDeferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Resolves once a line with `message` has been logged. */
async function waitForLogMessage(lines: LogFields[], message: string): Promise<void> {
  while (!lines.some((line) => line.message === message)) await sleep(5);
}

/** Starts a real server on 127.0.0.1 whose `/slow` route waits until the test releases it. */
async function startSlowServer() {
  const { logger, lines } = createTestLogger();
  const { app, readiness } = createServiceApp(logger);
  const slowStarted = createDeferred<void>();
  const slowReleased = createDeferred<void>();
  app.get("/slow", async (c) => {
    slowStarted.resolve();
    await slowReleased.promise;
    return c.text("slow done");
  });

  const listening = createDeferred<AddressInfo>();
  const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, listening.resolve);
  const { port } = await listening.promise;

  return {
    server,
    readiness,
    logger,
    lines,
    baseUrl: `http://127.0.0.1:${port}`,
    slowStarted: slowStarted.promise,
    releaseSlow: () => slowReleased.resolve(),
  };
}

shutdownSuite("drains a slow in-flight request", async () => {
  const target = await startSlowServer();
  const slowResponse = fetch(`${target.baseUrl}/slow`);
  await target.slowStarted;

  const shutdown = shutdownGracefully({ ...target, delayMs: 200, timeoutMs: 2000 });
  const readyDuringDelay = await fetch(`${target.baseUrl}/readyz`);
  await waitForLogMessage(target.lines, "Closing the server and waiting for in-flight requests");
  target.releaseSlow();
  const slow = await slowResponse;

  assert.is(readyDuringDelay.status, 503);
  assert.is(slow.status, 200);
  assert.is(await slow.text(), "slow done");
  assert.is(await shutdown, "clean");
  assert.not.ok(target.server.listening);
});

shutdownSuite("refuses new connections after closing", async () => {
  const target = await startSlowServer();

  await shutdownGracefully({ ...target, delayMs: 0, timeoutMs: 1000 });

  try {
    await fetch(`${target.baseUrl}/healthz`);
    assert.unreachable("the request should have failed");
  } catch (error) {
    assert.instance(error, TypeError);
    assert.is(((error as TypeError).cause as { code?: string }).code, "ECONNREFUSED");
  }
});

shutdownSuite("logs each phase", async () => {
  const target = await startSlowServer();

  await shutdownGracefully({ ...target, delayMs: 0, timeoutMs: 1000, signal: "SIGTERM" });

  const messages = target.lines.map((line) => line.message);
  assert.equal(messages, [
    "Shutdown started, /readyz now returns 503",
    "Closing the server and waiting for in-flight requests",
    "Server closed, all requests finished",
  ]);
  assert.is(target.lines[0]?.signal, "SIGTERM");
  assert.is(target.lines[0]?.delayMs, 0);
  assert.is(target.lines[1]?.timeoutMs, 1000);
});

shutdownSuite("times out on a stuck request", async () => {
  const target = await startSlowServer();
  const slowResponse = fetch(`${target.baseUrl}/slow`).catch((error: unknown) => error);
  await target.slowStarted;

  const result = await shutdownGracefully({ ...target, delayMs: 0, timeoutMs: 100 });

  assert.is(result, "timeout");
  assert.instance(await slowResponse, TypeError);
  assert.is(target.lines.at(-1)?.level, "error");
  assert.is(
    target.lines.at(-1)?.message,
    "Shutdown timed out after 100 ms with requests still in flight, closing them",
  );
  target.releaseSlow();
});

shutdownSuite.run();
