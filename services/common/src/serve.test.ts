import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { ServerType } from "@hono/node-server";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "./env.ts";
import type { LogFields } from "./logger.ts";
import { logStartupFailure, startServer } from "./serve.ts";
import { createServiceApp } from "./service-app.ts";
import { createTestLogger } from "./test-logger.ts";

const startedServers: ServerType[] = [];

/**
 * Starts a server on a loopback port (a free one unless given) with fake signals and a recorded
 * exit code. Its `/stuck` route never responds.
 */
async function startTestServer(port = 0) {
  const { logger, lines } = createTestLogger();
  const { app, readiness } = createServiceApp(logger);
  const stuck = { started: false };
  app.get("/stuck", () => {
    stuck.started = true;
    return new Promise<Response>(() => {});
  });
  const signals = new EventEmitter();
  const exitCodes: number[] = [];
  const server = startServer({
    fetch: app.fetch,
    readiness,
    logger,
    port,
    hostname: "127.0.0.1",
    shutdownDelayMs: 0,
    shutdownTimeoutMs: 100,
    signals,
    exit: (code) => exitCodes.push(code),
  });
  startedServers.push(server);
  await waitFor(() => server.listening || exitCodes.length > 0);
  return { server, signals, exitCodes, lines, stuck };
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

function messages(lines: LogFields[]): unknown[] {
  return lines.map((line) => line.message);
}

const startServerSuite = suite("startServer");

// Close servers that a failed test left listening, so the test process can exit.
startServerSuite.after.each(() => {
  for (const server of startedServers.splice(0)) {
    if (server.listening) server.close();
    if ("closeAllConnections" in server) server.closeAllConnections();
  }
});

startServerSuite("serves the app", async () => {
  const { server, signals, exitCodes } = await startTestServer();
  const { port } = server.address() as AddressInfo;

  const response = await fetch(`http://127.0.0.1:${port}/healthz`);

  assert.is(response.status, 200);
  signals.emit("SIGTERM", "SIGTERM");
  await waitFor(() => exitCodes.length > 0);
});

startServerSuite("logs the listening port", async () => {
  const { server, signals, exitCodes, lines } = await startTestServer();
  const { port } = server.address() as AddressInfo;

  assert.is(lines[0]?.message, `Listening on port ${port}`);
  assert.is(lines[0]?.port, port);
  signals.emit("SIGTERM", "SIGTERM");
  await waitFor(() => exitCodes.length > 0);
});

startServerSuite("exits 0 after SIGTERM", async () => {
  const { server, signals, exitCodes, lines } = await startTestServer();

  signals.emit("SIGTERM", "SIGTERM");
  await waitFor(() => exitCodes.length > 0);

  assert.equal(exitCodes, [0]);
  assert.not.ok(server.listening);
  assert.ok(messages(lines).includes("Server closed, all requests finished"));
});

startServerSuite("exits 0 after SIGINT", async () => {
  const { signals, exitCodes } = await startTestServer();

  signals.emit("SIGINT", "SIGINT");
  await waitFor(() => exitCodes.length > 0);

  assert.equal(exitCodes, [0]);
});

startServerSuite("exits 1 when shutdown times out", async () => {
  const { server, signals, exitCodes, stuck } = await startTestServer();
  const { port } = server.address() as AddressInfo;
  const stuckResponse = fetch(`http://127.0.0.1:${port}/stuck`).catch((error: unknown) => error);
  await waitFor(() => stuck.started);

  signals.emit("SIGTERM", "SIGTERM");
  await waitFor(() => exitCodes.length > 0);

  assert.equal(exitCodes, [1]);
  assert.instance(await stuckResponse, TypeError);
});

startServerSuite("exits 1 on a second signal", async () => {
  const { signals, exitCodes, lines } = await startTestServer();

  signals.emit("SIGTERM", "SIGTERM");
  signals.emit("SIGINT", "SIGINT");
  await waitFor(() => exitCodes.length > 1);

  assert.equal(exitCodes, [1, 0]);
  assert.ok(messages(lines).includes("Received SIGINT again during shutdown, exiting at once"));
});

startServerSuite("exits 1 when the port is in use", async () => {
  const first = await startTestServer();
  const { port } = first.server.address() as AddressInfo;

  const second = await startTestServer(port);

  assert.equal(second.exitCodes, [1]);
  assert.is(second.lines[0]?.message, "Server failed");
  assert.is((second.lines[0]?.error as { code?: string } | undefined)?.code, "EADDRINUSE");
  first.signals.emit("SIGTERM", "SIGTERM");
  await waitFor(() => first.exitCodes.length > 0);
});

startServerSuite.run();

const startupFailureSuite = suite("logStartupFailure");

startupFailureSuite("lists configuration problems", () => {
  const { logger, lines } = createTestLogger();
  const problems = [
    "Environment variable PORT has the invalid value 'abc'. Expected an integer from 1 to 65535.",
  ];

  logStartupFailure(logger, new ConfigError(problems));

  assert.is(lines[0]?.level, "error");
  assert.is(
    lines[0]?.message,
    "The server did not start because its configuration is invalid. " +
      "Environment variable PORT has the invalid value 'abc'. Expected an integer from 1 to 65535.",
  );
  assert.equal(lines[0]?.problems, problems);
});

startupFailureSuite("logs other errors", () => {
  const { logger, lines } = createTestLogger();

  logStartupFailure(logger, new Error("boom"));

  assert.is(lines[0]?.message, "The server did not start");
  assert.is((lines[0]?.error as { message?: string } | undefined)?.message, "boom");
});

startupFailureSuite.run();
