import { suite } from "uvu";
import * as assert from "uvu/assert";
import { EnvReader } from "./env.ts";
import { readPodName, readServiceConfig } from "./service-config.ts";

const serviceConfigSuite = suite("readServiceConfig");

serviceConfigSuite("uses defaults when unset", () => {
  const reader = new EnvReader({});

  const config = readServiceConfig(reader, () => "host-1");

  assert.equal(config, { port: 8080, podName: "host-1", shutdownDelayMs: 3000, shutdownTimeoutMs: 10000 });
  assert.equal(reader.problems, []);
});

serviceConfigSuite("reads every variable", () => {
  const reader = new EnvReader({
    PORT: "9000",
    POD_NAME: "time-7d9f-abcde",
    SHUTDOWN_DELAY_MS: "0",
    SHUTDOWN_TIMEOUT_MS: "500",
  });

  const config = readServiceConfig(reader, () => "host-1");

  assert.equal(config, {
    port: 9000,
    podName: "time-7d9f-abcde",
    shutdownDelayMs: 0,
    shutdownTimeoutMs: 500,
  });
});

serviceConfigSuite("records each invalid variable", () => {
  const reader = new EnvReader({ PORT: "abc", SHUTDOWN_DELAY_MS: "-5", SHUTDOWN_TIMEOUT_MS: "0" });

  readServiceConfig(reader, () => "host-1");

  assert.equal(reader.problems, [
    "Environment variable PORT has the invalid value 'abc'. Expected an integer from 1 to 65535.",
    "Environment variable SHUTDOWN_DELAY_MS has the invalid value '-5'. Expected an integer from 0 to 2147483647.",
    "Environment variable SHUTDOWN_TIMEOUT_MS has the invalid value '0'. Expected an integer from 1 to 2147483647.",
  ]);
});

serviceConfigSuite.run();

const podNameSuite = suite("readPodName");

podNameSuite("prefers POD_NAME", () => {
  assert.is(
    readPodName(new EnvReader({ POD_NAME: "frontend-1" }), () => "host-1"),
    "frontend-1",
  );
});

podNameSuite("falls back to the host name", () => {
  assert.is(
    readPodName(new EnvReader({}), () => "host-1"),
    "host-1",
  );
});

podNameSuite("treats empty POD_NAME as unset", () => {
  assert.is(
    readPodName(new EnvReader({ POD_NAME: "" }), () => "host-1"),
    "host-1",
  );
});

podNameSuite("rejects POD_NAME unfit for a header", () => {
  for (const value of ["two words", "line\nbreak", "pöd", "x".repeat(254)]) {
    const reader = new EnvReader({ POD_NAME: value });

    assert.is(
      readPodName(reader, () => "host-1"),
      "host-1",
      value,
    );
    assert.equal(
      reader.problems,
      [
        `Environment variable POD_NAME has the invalid value '${value}'. ` +
          "Expected at most 253 printable ASCII characters without spaces.",
      ],
      value,
    );
  }
});

podNameSuite.run();
