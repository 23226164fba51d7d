import { createLogger, type LogFields, type Logger } from "./logger.ts";

/** A logger for tests together with the lines it wrote, parsed back into objects. */
export interface TestLogger {
  logger: Logger;
  lines: LogFields[];
}

/** Creates a logger for `service` that keeps its lines in memory instead of writing them to stdout. */
export function createTestLogger(service = "test"): TestLogger {
  const lines: LogFields[] = [];
  const logger = createLogger({ service, write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}
