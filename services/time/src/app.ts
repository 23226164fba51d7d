import type { Context } from "hono";
import { createServiceApp, type Logger, type ServiceApp } from "../../common/src/index.ts";

/** Options for {@link createApp}. */
export interface TimeAppOptions {
  logger: Logger;
  /** Name of the pod serving requests, returned in every response. */
  podName: string;
  /** Clock for the responses. The default is the system clock. */
  now?: () => Date;
}

/** Body of `GET /` and `GET /time`. */
export interface TimeBody {
  /** Current time as an ISO 8601 string in UTC. */
  time: string;
  /** Same time in milliseconds since the Unix epoch. */
  epochMs: number;
  /** Name of the pod that served the request. */
  pod: string;
}

/** Creates the time service: `GET /` and `GET /time` return the current time and the pod name. */
export function createApp(options: TimeAppOptions): ServiceApp {
  const now = options.now ?? (() => new Date());
  const service = createServiceApp(options.logger);

  const sendTime = (c: Context) => {
    const date = now();
    const body: TimeBody = { time: date.toISOString(), epochMs: date.getTime(), pod: options.podName };
    c.header("Cache-Control", "no-store");
    return c.json(body);
  };
  service.app.get("/", sendTime);
  service.app.get("/time", sendTime);

  return service;
}
