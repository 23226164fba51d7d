import { suite } from "uvu";
import * as assert from "uvu/assert";
import { HttpError } from "./errors.ts";
import { createServiceApp, MAX_BODY_BYTES } from "./service-app.ts";
import { createTestLogger } from "./test-logger.ts";

const serviceAppSuite = suite("createServiceApp");

function createTestApp() {
  const { logger, lines } = createTestLogger();
  const service = createServiceApp(logger);
  service.app.get("/hello", (c) => c.text("hello"));
  service.app.post("/echo", async (c) => c.text(String((await c.req.text()).length)));
  service.app.get("/gone", () => {
    throw new HttpError(410, "The resource is gone.");
  });
  return { ...service, lines };
}

serviceAppSuite("serves probes", async () => {
  const { app } = createTestApp();

  assert.is((await app.request("/healthz")).status, 200);
  assert.is((await app.request("/readyz")).status, 200);
});

serviceAppSuite("readyz follows the returned readiness", async () => {
  const { app, readiness } = createTestApp();

  readiness.markNotReady();

  assert.is((await app.request("/readyz")).status, 503);
});

serviceAppSuite("serves routes added by the caller", async () => {
  const { app } = createTestApp();

  const response = await app.request("/hello");

  assert.is(response.status, 200);
  assert.is(await response.text(), "hello");
});

serviceAppSuite("sends JSON errors", async () => {
  const { app } = createTestApp();

  const response = await app.request("/gone");

  assert.is(response.status, 410);
  assert.equal(await response.json(), { error: "The resource is gone.", status: 410 });
});

serviceAppSuite("sends JSON 404", async () => {
  const { app } = createTestApp();

  const response = await app.request("/missing");

  assert.is(response.status, 404);
  assert.is(response.headers.get("content-type"), "application/json");
});

serviceAppSuite("logs every request", async () => {
  const { app, lines } = createTestApp();

  await app.request("/hello");
  await app.request("/healthz");

  const paths = lines.filter((line) => line.message === "Request handled").map((line) => line.path);
  assert.equal(paths, ["/hello", "/healthz"]);
});

serviceAppSuite("keeps connections open while ready", async () => {
  const { app } = createTestApp();

  const response = await app.request("/hello");

  assert.is(response.headers.get("connection"), null);
});

serviceAppSuite("closes connections once not ready", async () => {
  const { app, readiness } = createTestApp();

  readiness.markNotReady();
  const success = await app.request("/hello");
  const failure = await app.request("/gone");

  assert.is(success.headers.get("connection"), "close");
  assert.is(failure.headers.get("connection"), "close");
});

serviceAppSuite("sets security headers", async () => {
  const { app } = createTestApp();

  const response = await app.request("/hello");

  assert.is(response.headers.get("x-content-type-options"), "nosniff");
  assert.is(response.headers.get("x-frame-options"), "SAMEORIGIN");
  assert.is(response.headers.get("referrer-policy"), "no-referrer");
  const policy = response.headers.get("content-security-policy") ?? "";
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /img-src data:/);
  assert.not.match(policy, /script-src/);
});

serviceAppSuite("rejects a body over the limit", async () => {
  const { app } = createTestApp();

  const small = await app.request("/echo", { method: "POST", body: "x".repeat(100) });
  const large = await app.request("/echo", { method: "POST", body: "x".repeat(MAX_BODY_BYTES + 1) });

  assert.is(small.status, 200);
  assert.is(large.status, 413);
  assert.equal(await large.json(), { error: `Request body larger than ${MAX_BODY_BYTES} bytes` });
});

serviceAppSuite.run();
