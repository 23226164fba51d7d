import type { Hono } from "hono";
import { createTestLogger } from "../../common/src/test-logger.ts";
import { createApp as createImageApp } from "../../image/src/app.ts";
import { createApp as createTimeApp } from "../../time/src/app.ts";
import type { Fetch } from "./backends.ts";

/** URL of the time service in frontend tests. */
export const TIME_URL = new URL("http://time/");
/** URL of the image service in frontend tests. */
export const IMAGE_URL = new URL("http://image/");

/** Time that the in-process time service reports. */
export const FIXED_TIME = new Date("2025-06-01T12:30:45.123Z");

/** Creates the real time and image apps, with a fixed clock and random source, keyed by host. */
export function createBackendApps(pods = { time: "time-pod-1", image: "image-pod-1" }): Record<string, Hono> {
  const { logger } = createTestLogger("backend");
  return {
    time: createTimeApp({ logger, podName: pods.time, now: () => FIXED_TIME }).app,
    image: createImageApp({ logger, podName: pods.image, random: () => 0.5 }).app,
  };
}

/**
 * Returns a fetch that sends each request in process to the app for its host, or to `override`
 * when one is given for that host. An unknown host fails like Node's fetch does for a DNS error.
 */
export function routeFetch(apps: Record<string, Hono>, overrides: Record<string, Fetch> = {}): Fetch {
  return async (url, init) => {
    const override = overrides[url.host];
    if (override) return override(url, init);

    const app = apps[url.host];
    if (!app)
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }),
      });
    return app.request(url, init);
  };
}

/** A fetch that never responds, and rejects only when its signal aborts, like a hung backend. */
export const hangingFetch: Fetch = (_url, init) =>
  new Promise((_resolve, reject) => {
    init.signal.addEventListener("abort", () => reject(init.signal.reason));
  });

/** Returns a fetch that always responds with `body` and `init`. */
export function respondWith(body: string, init: ResponseInit): Fetch {
  return async () => new Response(body, init);
}

/** Returns the text inside the element with the `data-testid`, or undefined when it is missing. */
export function readTestId(page: string, testId: string): string | undefined {
  const match = page.match(new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`));
  return match?.[1];
}
