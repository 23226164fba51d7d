import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createTestLogger } from "../../common/src/test-logger.ts";
import { createApp, SVG_CONTENT_TYPE } from "./app.ts";

function createTestApp(random: () => number = () => 0.25) {
  const { logger, lines } = createTestLogger("image");
  const { app, readiness } = createApp({ logger, podName: "image-6b8d4-q9w7e", random });
  return { app, readiness, lines };
}

const createAppSuite = suite("createApp");

createAppSuite("returns an SVG document", async () => {
  const { app } = createTestApp();

  const response = await app.request("/");
  const body = await response.text();

  assert.is(response.status, 200);
  assert.is(response.headers.get("content-type"), SVG_CONTENT_TYPE);
  assert.ok(body.startsWith("<svg"));
  assert.ok(body.includes('xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(body.trimEnd().endsWith("</svg>"));
});

createAppSuite("names the pod in x-pod-name", async () => {
  const { app } = createTestApp();

  const response = await app.request("/image");

  assert.is(response.headers.get("x-pod-name"), "image-6b8d4-q9w7e");
});

createAppSuite("serves the same image on /image", async () => {
  const { app } = createTestApp();

  const root = await (await app.request("/")).text();
  const image = await (await app.request("/image")).text();

  assert.is(image, root);
});

createAppSuite("differs with another random source", async () => {
  const first = createTestApp(() => 0.25);
  const second = createTestApp(() => 0.75);

  const firstBody = await (await first.app.request("/")).text();
  const secondBody = await (await second.app.request("/")).text();

  assert.is.not(firstBody, secondBody);
});

createAppSuite("draws a new image per request", async () => {
  let state = 0;
  const { app } = createTestApp(() => {
    state = (state + 0.137) % 1;
    return state;
  });

  const first = await (await app.request("/")).text();
  const second = await (await app.request("/")).text();

  assert.is.not(first, second);
});

createAppSuite("disables caching and sniffing", async () => {
  const { app } = createTestApp();

  const response = await app.request("/");

  assert.is(response.headers.get("cache-control"), "no-store");
  assert.is(response.headers.get("x-content-type-options"), "nosniff");
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

  await app.request("/image");

  assert.is(lines[0]?.service, "image");
  assert.is(lines[0]?.path, "/image");
  assert.is(lines[0]?.status, 200);
});

createAppSuite.run();
