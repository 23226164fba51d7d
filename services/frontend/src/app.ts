import { createServiceApp, type Logger, type ServiceApp } from "../../common/src/index.ts";
import {
  type BackendResult,
  type Fetch,
  fetchImage,
  fetchTime,
  type ImageReading,
  type TimeReading,
} from "./backends.ts";
import { renderPage } from "./page.ts";

/** Options for {@link createApp}. */
export interface FrontendAppOptions {
  logger: Logger;
  /** Name of the pod serving requests, shown on the page. */
  podName: string;
  /** Function that sends the backend requests, `globalThis.fetch` in production. */
  fetch: Fetch;
  timeUrl: URL;
  imageUrl: URL;
  /** Maximum time in ms for each backend request. */
  backendTimeoutMs: number;
}

/** Body of `GET /api/status`. */
export interface StatusBody {
  frontend: { pod: string };
  time: { ok: true; time: string; epochMs: number; pod: string } | { ok: false; error: string };
  image: { ok: true; pod: string } | { ok: false; error: string };
}

/**
 * Creates the frontend. `GET /` returns an HTML page with the time from the time service and an
 * image from the image service, and `GET /api/status` returns the same facts as JSON without the
 * image. Both request the two backends in parallel on every call. A backend that fails or times
 * out is described on the page, which still shows the other backend, and the status stays 200.
 */
export function createApp(options: FrontendAppOptions): ServiceApp {
  const service = createServiceApp(options.logger);

  const requestBackends = () => {
    const shared = { fetch: options.fetch, timeoutMs: options.backendTimeoutMs, logger: options.logger };
    return Promise.all([
      fetchTime({ ...shared, url: options.timeUrl }),
      fetchImage({ ...shared, url: options.imageUrl }),
    ]);
  };

  service.app.get("/", async (c) => {
    const [time, image] = await requestBackends();
    c.header("Cache-Control", "no-store");
    return c.html(renderPage({ frontendPod: options.podName, time, image }));
  });

  service.app.get("/api/status", async (c) => {
    const [time, image] = await requestBackends();
    c.header("Cache-Control", "no-store");
    return c.json(toStatusBody(options.podName, time, image));
  });

  return service;
}

function toStatusBody(
  podName: string,
  time: BackendResult<TimeReading>,
  image: BackendResult<ImageReading>,
): StatusBody {
  return {
    frontend: { pod: podName },
    time: time.ok ? { ok: true, ...time.value } : time,
    image: image.ok ? { ok: true, pod: image.value.pod } : image,
  };
}
