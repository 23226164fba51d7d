export { ConfigError, type Env, EnvReader, type IntegerRange } from "./env.ts";
export { createErrorHandler, createNotFoundHandler, type ErrorBody, HttpError } from "./errors.ts";
export { createHealthRoutes, Readiness } from "./health.ts";
export { createLogger, type LogFields, type Logger, type LoggerOptions, type LogLevel } from "./logger.ts";
export { logRequests } from "./request-log.ts";
export { runService } from "./run-service.ts";
export {
  logStartupFailure,
  SHUTDOWN_SIGNALS,
  type SignalSource,
  type StartServerOptions,
  startServer,
} from "./serve.ts";
export { createServiceApp, type ServiceApp } from "./service-app.ts";
export { MAX_TIMER_MS, readPodName, readServiceConfig, type ServiceConfig } from "./service-config.ts";
export {
  type ClosableServer,
  type ShutdownOptions,
  type ShutdownResult,
  shutdownGracefully,
} from "./shutdown.ts";
