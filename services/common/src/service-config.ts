import { hostname } from "node:os";
import type { EnvReader } from "./env.ts";

/** Settings that every service reads from its environment. */
export interface ServiceConfig {
  /** TCP port to listen on, from `PORT` (default 8080). */
  port: number;
  /** Name of the pod serving requests, from `POD_NAME`, else the host name. */
  podName: string;
  /** Time in ms between marking the pod not ready and closing the server, from `SHUTDOWN_DELAY_MS`. */
  shutdownDelayMs: number;
  /** Maximum time in ms for in-flight requests to finish after the server closes, from `SHUTDOWN_TIMEOUT_MS`. */
  shutdownTimeoutMs: number;
}

/** Largest delay that Node's timers accept. Node runs a timer with a longer delay after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Reads the shared settings. Invalid values are recorded in `reader`, and the caller reports
 * them with `reader.check()` after reading its own settings.
 */
export function readServiceConfig(reader: EnvReader, getHostname: () => string = hostname): ServiceConfig {
  return {
    port: reader.integer("PORT", 8080, { min: 1, max: 65535 }),
    podName: readPodName(reader, getHostname),
    shutdownDelayMs: reader.integer("SHUTDOWN_DELAY_MS", 3000, { min: 0, max: MAX_TIMER_MS }),
    shutdownTimeoutMs: reader.integer("SHUTDOWN_TIMEOUT_MS", 10000, { min: 1, max: MAX_TIMER_MS }),
  };
}

/**
 * Returns `POD_NAME` when set, else the host name, which Kubernetes sets to the pod name
 * (unless the pod spec sets `hostname`). `POD_NAME` must be printable ASCII without spaces,
 * because services send it in an HTTP header.
 */
export function readPodName(reader: EnvReader, getHostname: () => string = hostname): string {
  const podName = reader.string("POD_NAME");
  if (podName === undefined) return getHostname();
  if (/^[\x21-\x7e]{1,253}$/.test(podName)) return podName;

  reader.reject("POD_NAME", podName, "at most 253 printable ASCII characters without spaces");
  return getHostname();
}
