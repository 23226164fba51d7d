import { createLogger, logStartupFailure, startServer } from "../../common/src/index.ts";
import { createApp } from "./app.ts";
import { readFrontendConfig } from "./config.ts";
import { connectionPerRequestFetch } from "./connection-per-request-fetch.ts";

// Process entry of the frontend. The environment variables are described in readFrontendConfig.
const logger = createLogger({ service: "frontend" });

try {
  const config = readFrontendConfig(process.env);
  const { time, image, ...settings } = config;
  logger.info("Starting the frontend", { ...settings });
  for (const [name, target] of Object.entries({ time, image })) {
    logger.info(`Using ${target.url.href} for the ${name} service, from ${target.source}`, {
      backend: name,
      url: target.url.href,
      rule: target.rule,
    });
  }

  const { app, readiness } = createApp({
    logger,
    podName: config.podName,
    fetch: connectionPerRequestFetch,
    timeUrl: time.url,
    imageUrl: image.url,
    backendTimeoutMs: config.backendTimeoutMs,
  });
  startServer({ fetch: app.fetch, readiness, logger, ...settings });
} catch (error) {
  logStartupFailure(logger, error);
  process.exit(1);
}
