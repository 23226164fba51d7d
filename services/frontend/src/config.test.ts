import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "../../common/src/index.ts";
import { readFrontendConfig } from "./config.ts";

const readConfigSuite = suite("readFrontendConfig");

readConfigSuite("uses defaults when unset", () => {
  const config = readFrontendConfig({}, () => "host-1");

  assert.is(config.port, 8080);
  assert.is(config.podName, "host-1");
  assert.is(config.backendTimeoutMs, 2000);
  assert.is(config.time.url.href, "http://time/");
  assert.is(config.image.url.href, "http://image/");
});

readConfigSuite("reads backends separately", () => {
  const config = readFrontendConfig({
    TIME_URL: "http://127.0.0.1:18081",
    IMAGE_SERVICE_HOST: "10.96.0.13",
    IMAGE_SERVICE_PORT: "8080",
    BACKEND_TIMEOUT_MS: "500",
  });

  assert.is(config.time.url.href, "http://127.0.0.1:18081/");
  assert.is(config.time.rule, "url-variable");
  assert.is(config.image.url.href, "http://10.96.0.13:8080/");
  assert.is(config.image.rule, "service-variables");
  assert.is(config.backendTimeoutMs, 500);
});

readConfigSuite("reports every problem at once", () => {
  try {
    readFrontendConfig({
      PORT: "abc",
      TIME_URL: "time",
      IMAGE_SERVICE_HOST: "10.0.0.1",
      BACKEND_TIMEOUT_MS: "0",
    });
    assert.unreachable("readFrontendConfig should have thrown");
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.equal((error as ConfigError).problems, [
      "Environment variable PORT has the invalid value 'abc'. Expected an integer from 1 to 65535.",
      "Environment variable TIME_URL has the invalid value 'time'. " +
        "Expected an absolute http:// or https:// URL, such as 'http://time:8080'.",
      "Environment variable IMAGE_SERVICE_HOST is set but IMAGE_SERVICE_PORT is missing. Set both or neither.",
      "Environment variable BACKEND_TIMEOUT_MS has the invalid value '0'. Expected an integer from 1 to 2147483647.",
    ]);
  }
});

readConfigSuite.run();
