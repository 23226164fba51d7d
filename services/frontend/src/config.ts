import {
  type Env,
  EnvReader,
  MAX_TIMER_MS,
  readServiceConfig,
  type ServiceConfig,
} from "../../common/src/index.ts";
import { type BackendTarget, resolveBackend } from "./discovery.ts";

/** Settings of the frontend: the shared ones plus where and how long to reach the backends. */
export interface FrontendConfig extends ServiceConfig {
  time: BackendTarget;
  image: BackendTarget;
  /** Maximum time in ms for each backend request, from `BACKEND_TIMEOUT_MS` (default 2000). */
  backendTimeoutMs: number;
}

/**
 * Reads the frontend's settings from `env`. Throws a ConfigError that lists every invalid
 * variable. See resolveBackend for how the backend URLs are found.
 */
export function readFrontendConfig(env: Env, getHostname?: () => string): FrontendConfig {
  const reader = new EnvReader(env);
  const config: FrontendConfig = {
    ...readServiceConfig(reader, getHostname),
    time: resolveBackend(reader, "time"),
    image: resolveBackend(reader, "image"),
    backendTimeoutMs: reader.integer("BACKEND_TIMEOUT_MS", 2000, { min: 1, max: MAX_TIMER_MS }),
  };
  reader.check();
  return config;
}
