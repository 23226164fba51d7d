import { setTimeout as sleep } from "node:timers/promises";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createTestLogger } from "../../common/src/test-logger.ts";
import { createApp, type StatusBody } from "./app.ts";
import type { Fetch } from "./backends.ts";
import {
  createBackendApps,
  FIXED_TIME,
  hangingFetch,
  IMAGE_URL,
  readTestId,
  respondWith,
  routeFetch,
  TIME_URL,
} from "./test-backends.ts";

function createFrontend(fetch: Fetch, backendTimeoutMs = 2000) {
  const { logger, lines } = createTestLogger("frontend");
  const service = createApp({
    logger,
    podName: "frontend-pod-1",
    fetch,
    timeUrl: TIME_URL,
    imageUrl: IMAGE_URL,
    backendTimeoutMs,
  });
  return { ...service, lines };
}

async function getPage(fetch: Fetch, backendTimeoutMs?: number) {
  const { app, lines } = createFrontend(fetch, backendTimeoutMs);
  const response = await app.request("/");
  return { response, page: await response.text(), lines };
}

const createAppSuite = suite("createApp");

createAppSuite("returns an HTML page", async () => {
  const { response, page } = await getPage(routeFetch(createBackendApps()));

  assert.is(response.status, 200);
  assert.is(response.headers.get("content-type"), "text/html; charset=UTF-8");
  assert.ok(page.startsWith("<!doctype html>"));
  assert.ok(page.includes("<title>Mooring demo</title>"));
});

createAppSuite("shows time and pods from real backends", async () => {
  const { page } = await getPage(routeFetch(createBackendApps()));

  assert.is(readTestId(page, "frontend-pod"), "frontend-pod-1");
  assert.is(readTestId(page, "time-value"), FIXED_TIME.toISOString());
  assert.is(readTestId(page, "time-pod"), "time-pod-1");
  assert.is(readTestId(page, "image-pod"), "image-pod-1");
  assert.not.ok(page.includes("time-error"));
  assert.not.ok(page.includes("image-error"));
});

createAppSuite("embeds the image as a data URI", async () => {
  const apps = createBackendApps();
  const expectedSvg = await (await apps.image?.request("/"))?.text();

  const { page } = await getPage(routeFetch(apps));
  const source = page.match(
    /<img data-testid="image" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/,
  )?.[1];

  assert.type(source, "string");
  assert.is(Buffer.from(source ?? "", "base64").toString("utf8"), expectedSvg);
});

createAppSuite("requests both backends in parallel", async () => {
  const events: string[] = [];
  const apps = createBackendApps();
  const fetch: Fetch = async (url, init) => {
    events.push("start");
    await sleep(20);
    events.push("end");
    return routeFetch(apps)(url, init);
  };

  const { page } = await getPage(fetch);

  // Sequential requests would give start, end, start, end.
  assert.equal(events, ["start", "start", "end", "end"]);
  assert.is(readTestId(page, "time-pod"), "time-pod-1");
  assert.is(readTestId(page, "image-pod"), "image-pod-1");
});

createAppSuite("names a time service timeout", async () => {
  const { response, page } = await getPage(routeFetch(createBackendApps(), { time: hangingFetch }), 50);

  assert.is(response.status, 200);
  assert.is(readTestId(page, "time-error"), "The time service did not respond within 50 ms.");
  assert.is(readTestId(page, "image-pod"), "image-pod-1");
  assert.not.ok(page.includes('data-testid="time-value"'));
});

createAppSuite("names an image service timeout", async () => {
  const { page } = await getPage(routeFetch(createBackendApps(), { image: hangingFetch }), 50);

  assert.is(readTestId(page, "image-error"), "The image service did not respond within 50 ms.");
  assert.is(readTestId(page, "time-value"), FIXED_TIME.toISOString());
  assert.not.ok(page.includes('data-testid="image"'));
});

createAppSuite("names an error status", async () => {
  const unavailable = respondWith('{"status":"shutting down"}', { status: 503 });

  const { page } = await getPage(routeFetch(createBackendApps(), { image: unavailable }));

  assert.is(readTestId(page, "image-error"), "The image service responded with status 503.");
  assert.is(readTestId(page, "time-pod"), "time-pod-1");
});

createAppSuite("names an unreachable backend", async () => {
  const apps = createBackendApps();
  delete apps.time;

  const { page } = await getPage(routeFetch(apps));

  assert.is(readTestId(page, "time-error"), "The time service could not be reached (ENOTFOUND).");
  assert.is(readTestId(page, "image-pod"), "image-pod-1");
});

createAppSuite("shows both failures at once", async () => {
  const { response, page } = await getPage(routeFetch({}));

  assert.is(response.status, 200);
  assert.ok(page.includes("<title>Mooring demo</title>"));
  assert.is(readTestId(page, "frontend-pod"), "frontend-pod-1");
  assert.is(readTestId(page, "time-error"), "The time service could not be reached (ENOTFOUND).");
  assert.is(readTestId(page, "image-error"), "The image service could not be reached (ENOTFOUND).");
});

createAppSuite("logs each backend failure", async () => {
  const { lines } = await getPage(routeFetch({}));

  const failures = lines.filter((line) => line.level === "warn");
  assert.equal(failures.map((line) => line.backend).sort(), ["image", "time"]);
  assert.is(failures.find((line) => line.backend === "time")?.url, "http://time/");
});

createAppSuite("escapes values from backends", async () => {
  const apps = createBackendApps({ time: '<script>alert("t")</script>', image: "a&b" });

  const { page } = await getPage(routeFetch(apps));

  assert.not.ok(page.includes("<script>"));
  assert.is(readTestId(page, "time-pod"), "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;");
  assert.is(readTestId(page, "image-pod"), "a&amp;b");
});

createAppSuite("disables caching of the page", async () => {
  const { response } = await getPage(routeFetch(createBackendApps()));

  assert.is(response.headers.get("cache-control"), "no-store");
});

createAppSuite("returns status as JSON", async () => {
  const { app } = createFrontend(routeFetch(createBackendApps()));

  const response = await app.request("/api/status");

  assert.is(response.status, 200);
  assert.equal((await response.json()) as StatusBody, {
    frontend: { pod: "frontend-pod-1" },
    time: { ok: true, time: FIXED_TIME.toISOString(), epochMs: FIXED_TIME.getTime(), pod: "time-pod-1" },
    image: { ok: true, pod: "image-pod-1" },
  });
});

createAppSuite("returns status errors as JSON", async () => {
  const { app } = createFrontend(routeFetch(createBackendApps(), { time: hangingFetch }), 50);

  const response = await app.request("/api/status");
  const body = (await response.json()) as StatusBody;

  assert.equal(body.time, { ok: false, error: "The time service did not respond within 50 ms." });
  assert.equal(body.image, { ok: true, pod: "image-pod-1" });
});

createAppSuite("serves probes", async () => {
  const { app, readiness } = createFrontend(hangingFetch);

  assert.is((await app.request("/healthz")).status, 200);
  assert.is((await app.request("/readyz")).status, 200);
  readiness.markNotReady();
  assert.is((await app.request("/readyz")).status, 503);
});

createAppSuite.run();
