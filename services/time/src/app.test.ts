import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createTestLogger } from "../../common/src/test-logger.ts";
import { createApp, type TimeBody } from "./app.ts";

const fixedClock = () => new Date("2025-06-01T12:30:45.123Z");

function createTestApp() {
  const { logger, lines } = createTestLogger("time");
  const { app, readiness } = createApp({ logger, podName: "time-5f7c9-x2k4q", now: fixedClock });
  return { app, readiness, lines };
}

const createAppSuite = suite("createApp");

createAppSuite("returns time, epoch and pod", async () => {
  const { app } = createTestApp();

  const response = await app.request("/");

  assert.is(response.status, 200);
  assert.equal(await response.json(), {
    time: "2025-06-01T12:30:45.123Z",
    epochMs: 1748781045123,
    pod: "time-5f7c9-x2k4q",
  } satisfies TimeBody);
});

createAppSuite("serves the same body on /time", async () => {
  const { app } = createTestApp();

  const root = await (await app.request("/")).json();
  const time = await (await app.request("/time")).json();

  assert.equal(time, root);
});

createAppSuite("reads the clock on each request", async () => {
  const { logger } = createTestLogger("time");
  const dates = [new Date("2025-01-01T00:00:00.000Z"), new Date("2025-01-01T00:00:01.500Z")];
  const { app } = createApp({ logger, podName: "p", now: () => dates.shift() ?? new Date(0) });

  const first = (await (await app.request("/")).json()) as TimeBody;
  const second = (await (await app.request("/")).json()) as TimeBody;

  assert.is(second.epochMs - first.epochMs, 1500);
});

createAppSuite("uses the system clock by default", async () => {
  const { logger } = createTestLogger("time");
  const { app } = createApp({ logger, podName: "p" });
  const before = Date.now();

  const body = (await (await app.request("/")).json()) as TimeBody;

  assert.ok(body.epochMs >= before);
  assert.ok(body.epochMs <= Date.now());
  assert.is(new Date(body.time).getTime(), body.epochMs);
});

createAppSuite("writes UTC ISO 8601", async () => {
  const { app } = createTestApp();

  const body = (await (await app.request("/")).json()) as TimeBody;

  assert.match(body.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
});

createAppSuite("disables caching", async () => {
  const { app } = createTestApp();

  const response = await app.request("/time");

  assert.is(response.headers.get("cache-control"), "no-store");
});

createAppSuite("serves probes", async () => {
  const { app, readiness } = createTestApp();

  assert.is((await app.request("/healthz")).status, 200);
  assert.is((await app.request("/readyz")).status, 200);
  readiness.markNotReady();
  assert.is((await app.request("/readyz")).status, 503);
});

createAppSuite("logs requests", async () => {
  const { app, lines } = createTestApp();

  await app.request("/time");

  assert.is(lines[0]?.service, "time");
  assert.is(lines[0]?.path, "/time");
  assert.is(lines[0]?.status, 200);
});

createAppSuite("rejects unknown paths as JSON", async () => {
  const { app } = createTestApp();

  const response = await app.request("/clock");

  assert.is(response.status, 404);
  assert.equal(await response.json(), { error: "No route matches GET /clock.", status: 404 });
});

createAppSuite.run();
