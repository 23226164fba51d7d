import { EnvReader } from "./env.ts";
import { createLogger, type Logger } from "./logger.ts";
import { logStartupFailure, startServer } from "./serve.ts";
import type { ServiceApp } from "./service-app.ts";
import { readServiceConfig } from "./service-config.ts";

/**
 * Starts a service that needs only the shared settings (see readServiceConfig):
 * reads them from the environment, builds the app and serves it until SIGTERM.
 * Invalid settings are logged and end the process with exit code 1.
 */
export function runService(
  name: string,
  createApp: (options: { logger: Logger; podName: string }) => ServiceApp,
): void {
  const logger = createLogger({ service: name });
  try {
    const reader = new EnvReader(process.env);
    const config = readServiceConfig(reader);
    reader.check();

    const { app, readiness } = createApp({ logger, podName: config.podName });
    logger.info(`Starting the ${name} service`, { ...config });
    startServer({ fetch: app.fetch, readiness, logger, ...config });
  } catch (error) {
    logStartupFailure(logger, error);
    process.exit(1);
  }
}
