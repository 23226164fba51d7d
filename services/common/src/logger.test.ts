import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createLogger } from "./logger.ts";

const createLoggerSuite = suite("createLogger");

function capture(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line) };
}

const fixedClock = () => new Date("2025-01-02T03:04:05.678Z");

createLoggerSuite("writes one JSON object per call", () => {
  const output = capture();
  const logger = createLogger({ service: "time", write: output.write, now: fixedClock });

  logger.info("first");
  logger.warn("second");

  assert.is(output.lines.length, 2);
  assert.not.ok(output.lines[0]?.includes("\n"));
});

createLoggerSuite("puts standard keys first", () => {
  const output = capture();
  const logger = createLogger({ service: "time", write: output.write, now: fixedClock });

  logger.info("Listening", { port: 8080 });

  assert.is(
    output.lines[0],
    '{"time":"2025-01-02T03:04:05.678Z","level":"info","service":"time","message":"Listening","port":8080}',
  );
});

createLoggerSuite("sets level per method", () => {
  const output = capture();
  const logger = createLogger({ service: "image", write: output.write, now: fixedClock });

  logger.info("a");
  logger.warn("b");
  logger.error("c");

  const levels = output.lines.map((line) => JSON.parse(line).level);
  assert.equal(levels, ["info", "warn", "error"]);
});

createLoggerSuite("ignores fields that reuse standard keys", () => {
  const output = capture();
  const logger = createLogger({ service: "time", write: output.write, now: fixedClock });

  logger.info("real", { message: "fake", level: "error", service: "other", time: "never" });

  const line = JSON.parse(output.lines[0] ?? "");
  assert.is(line.message, "real");
  assert.is(line.level, "info");
  assert.is(line.service, "time");
  assert.is(line.time, "2025-01-02T03:04:05.678Z");
});

createLoggerSuite("serializes errors with their cause", () => {
  const output = capture();
  const logger = createLogger({ service: "time", write: output.write, now: fixedClock });

  logger.error("failed", { error: new TypeError("outer", { cause: new Error("inner") }) });

  const { error } = JSON.parse(output.lines[0] ?? "");
  assert.is(error.name, "TypeError");
  assert.is(error.message, "outer");
  assert.type(error.stack, "string");
  assert.is(error.cause.message, "inner");
});

createLoggerSuite("keeps error codes", () => {
  const output = capture();
  const logger = createLogger({ service: "time", write: output.write, now: fixedClock });
  const error = Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE", port: 8080 });

  logger.error("failed", { error });

  const line = JSON.parse(output.lines[0] ?? "");
  assert.is(line.error.code, "EADDRINUSE");
  assert.is(line.error.port, 8080);
});

createLoggerSuite.run();
