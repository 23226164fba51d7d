import {
  createLogger,
  EnvReader,
  logStartupFailure,
  readServiceConfig,
  startServer,
} from "../../common/src/index.ts";
import { createApp } from "./app.ts";

// Process entry of the time service. The environment variables are described in readServiceConfig.
const logger = createLogger({ service: "time" });

try {
  const reader = new EnvReader(process.env);
  const config = readServiceConfig(reader);
  reader.check();

  const { app, readiness } = createApp({ logger, podName: config.podName });
  logger.info("Starting the time service", { ...config });
  startServer({ fetch: app.fetch, readiness, logger, ...config });
} catch (error) {
  logStartupFailure(logger, error);
  process.exit(1);
}
