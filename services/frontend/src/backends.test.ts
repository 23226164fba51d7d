import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createTestLogger } from "../../common/src/test-logger.ts";
import { type Fetch, fetchImage, fetchTime } from "./backends.ts";
import {
  createBackendApps,
  FIXED_TIME,
  hangingFetch,
  IMAGE_URL,
  respondWith,
  routeFetch,
  TIME_URL,
} from "./test-backends.ts";

function requestOptions(fetch: Fetch, url: URL, timeoutMs = 2000) {
  const { logger, lines } = createTestLogger("frontend");
  return { options: { fetch, url, timeoutMs, logger }, lines };
}

const refused: Fetch = async () => {
  throw new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
  });
};

const fetchTimeSuite = suite("fetchTime");

fetchTimeSuite("reads the time service", async () => {
  const { options } = requestOptions(routeFetch(createBackendApps()), TIME_URL);

  const result = await fetchTime(options);

  assert.equal(result, {
    ok: true,
    value: { time: FIXED_TIME.toISOString(), epochMs: FIXED_TIME.getTime(), pod: "time-pod-1" },
  });
});

fetchTimeSuite("requests the configured URL", async () => {
  const requested: string[] = [];
  const apps = createBackendApps();
  const fetch: Fetch = (url, init) => {
    requested.push(url.href);
    return routeFetch(apps)(new URL("http://time/"), init);
  };
  const { options } = requestOptions(fetch, new URL("http://10.96.0.12:8080/time"));

  await fetchTime(options);

  assert.equal(requested, ["http://10.96.0.12:8080/time"]);
});

fetchTimeSuite("times out a hung backend", async () => {
  const { options, lines } = requestOptions(hangingFetch, TIME_URL, 30);

  const result = await fetchTime(options);

  assert.equal(result, { ok: false, error: "The time service did not respond within 30 ms." });
  assert.equal(
    lines.map((line) => line.level),
    ["info", "warn"],
  );
  assert.is(lines[0]?.message, "Backend request retried on a new connection.");
  assert.is(lines[1]?.message, "Backend request failed. The time service did not respond within 30 ms.");
});

fetchTimeSuite("retries a timed-out connection once", async () => {
  const apps = createBackendApps();
  let calls = 0;
  const firstHangs: Fetch = (url, init) => {
    calls++;
    return calls === 1 ? hangingFetch(url, init) : routeFetch(apps)(url, init);
  };
  const { options } = requestOptions(firstHangs, TIME_URL, 100);

  const result = await fetchTime(options);

  assert.is(result.ok, true);
  assert.is(calls, 2);
});

fetchTimeSuite("retries a refused connection once", async () => {
  const apps = createBackendApps();
  let calls = 0;
  const firstRefused: Fetch = (url, init) => {
    calls++;
    return calls === 1 ? refused(url, init) : routeFetch(apps)(url, init);
  };
  const { options } = requestOptions(firstRefused, TIME_URL);

  const result = await fetchTime(options);

  assert.is(result.ok, true);
  assert.is(calls, 2);
});

fetchTimeSuite("does not retry an error status", async () => {
  let calls = 0;
  const failing: Fetch = async (url, init) => {
    calls++;
    return respondWith("oops", { status: 500 })(url, init);
  };
  const { options } = requestOptions(failing, TIME_URL);

  await fetchTime(options);

  assert.is(calls, 1);
});

fetchTimeSuite("times out a slow body", async () => {
  const slowBody: Fetch = async (_url, init) => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"time":'));
        init.signal.addEventListener("abort", () => controller.error(init.signal.reason));
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  };
  const { options } = requestOptions(slowBody, TIME_URL, 30);

  const result = await fetchTime(options);

  assert.equal(result, { ok: false, error: "The time service did not respond within 30 ms." });
});

fetchTimeSuite("reports an error status", async () => {
  const { options, lines } = requestOptions(respondWith("oops", { status: 500 }), TIME_URL);

  const result = await fetchTime(options);

  assert.equal(result, { ok: false, error: "The time service responded with status 500." });
  assert.is(lines[0]?.backend, "time");
  assert.is(lines[0]?.url, "http://time/");
});

fetchTimeSuite("reports a refused connection", async () => {
  const { options, lines } = requestOptions(refused, TIME_URL);

  const result = await fetchTime(options);

  assert.equal(result, { ok: false, error: "The time service could not be reached (ECONNREFUSED)." });
  const failure = lines.find((line) => line.level === "warn");
  assert.is((failure?.error as { message?: string } | undefined)?.message, "fetch failed");
});

fetchTimeSuite("rejects a body that is not JSON", async () => {
  const { options } = requestOptions(respondWith("<html>", { status: 200 }), TIME_URL);

  const result = await fetchTime(options);

  assert.equal(result, {
    ok: false,
    error:
      "The time service returned an invalid response. " +
      "Expected JSON with the string fields time and pod and the number epochMs.",
  });
});

fetchTimeSuite("rejects JSON with missing fields", async () => {
  for (const body of [
    '{"time":"2025-01-01T00:00:00Z","pod":"p"}',
    '{"time":1,"epochMs":1,"pod":"p"}',
    "null",
    "[]",
  ]) {
    const { options } = requestOptions(respondWith(body, { status: 200 }), TIME_URL);

    const result = await fetchTime(options);

    assert.is(result.ok, false, body);
  }
});

fetchTimeSuite.run();

const fetchImageSuite = suite("fetchImage");

fetchImageSuite("reads the image service", async () => {
  const apps = createBackendApps();
  const expectedSvg = await (await apps.image?.request("/"))?.text();
  const { options } = requestOptions(routeFetch(apps), IMAGE_URL);

  const result = await fetchImage(options);

  assert.equal(result, { ok: true, value: { svg: expectedSvg, pod: "image-pod-1" } });
});

fetchImageSuite("rejects a missing x-pod-name", async () => {
  const noPod = respondWith("<svg xmlns='http://www.w3.org/2000/svg'/>", {
    headers: { "content-type": "image/svg+xml" },
  });
  const { options } = requestOptions(noPod, IMAGE_URL);

  const result = await fetchImage(options);

  assert.equal(result, {
    ok: false,
    error:
      "The image service returned an invalid response. " +
      "Expected an image/svg+xml body starting with <svg and an x-pod-name header.",
  });
});

fetchImageSuite("rejects another content type", async () => {
  const png = respondWith("<svg/>", { headers: { "content-type": "image/png", "x-pod-name": "p" } });
  const { options } = requestOptions(png, IMAGE_URL);

  const result = await fetchImage(options);

  assert.is(result.ok, false);
});

fetchImageSuite("rejects a body that is not SVG", async () => {
  const html = respondWith("<html></html>", {
    headers: { "content-type": "image/svg+xml", "x-pod-name": "p" },
  });
  const { options } = requestOptions(html, IMAGE_URL);

  const result = await fetchImage(options);

  assert.is(result.ok, false);
});

fetchImageSuite("times out a hung backend", async () => {
  const { options } = requestOptions(hangingFetch, IMAGE_URL, 30);

  const result = await fetchImage(options);

  assert.equal(result, { ok: false, error: "The image service did not respond within 30 ms." });
});

fetchImageSuite("reports an error status", async () => {
  const { options } = requestOptions(respondWith("", { status: 503 }), IMAGE_URL);

  const result = await fetchImage(options);

  assert.equal(result, { ok: false, error: "The image service responded with status 503." });
});

fetchImageSuite.run();
