import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError, EnvReader } from "./env.ts";

const range = { min: 1, max: 65535 };

const stringSuite = suite("EnvReader.string");

stringSuite("returns set values", () => {
  assert.is(new EnvReader({ NAME: "value" }).string("NAME"), "value");
});

stringSuite("treats empty as unset", () => {
  assert.is(new EnvReader({ NAME: "" }).string("NAME"), undefined);
});

stringSuite.run();

const integerSuite = suite("EnvReader.integer");

integerSuite("parses decimal integers", () => {
  const reader = new EnvReader({ PORT: "9090" });

  assert.is(reader.integer("PORT", 8080, range), 9090);
  assert.equal(reader.problems, []);
});

integerSuite("returns fallback when unset", () => {
  const reader = new EnvReader({});

  assert.is(reader.integer("PORT", 8080, range), 8080);
  assert.equal(reader.problems, []);
});

integerSuite("accepts both bounds", () => {
  const reader = new EnvReader({ LOW: "1", HIGH: "65535" });

  assert.is(reader.integer("LOW", 8080, range), 1);
  assert.is(reader.integer("HIGH", 8080, range), 65535);
  assert.equal(reader.problems, []);
});

integerSuite("rejects non-integers", () => {
  for (const value of ["abc", "80.5", "-1", "1e3", " 80", "0x50"]) {
    const reader = new EnvReader({ PORT: value });

    assert.is(reader.integer("PORT", 8080, range), 8080, value);
    assert.equal(
      reader.problems,
      [`Environment variable PORT has the invalid value '${value}'. Expected an integer from 1 to 65535.`],
      value,
    );
  }
});

integerSuite("rejects values out of range", () => {
  const reader = new EnvReader({ PORT: "65536", OTHER: "0" });

  reader.integer("PORT", 8080, range);
  reader.integer("OTHER", 8080, range);

  assert.is(reader.problems.length, 2);
});

integerSuite.run();

const httpUrlSuite = suite("EnvReader.httpUrl");

httpUrlSuite("parses http and https URLs", () => {
  const reader = new EnvReader({ A: "http://time:8080", B: "https://example.test/path" });

  assert.is(reader.httpUrl("A")?.href, "http://time:8080/");
  assert.is(reader.httpUrl("B")?.href, "https://example.test/path");
  assert.equal(reader.problems, []);
});

httpUrlSuite("returns undefined when unset", () => {
  const reader = new EnvReader({});

  assert.is(reader.httpUrl("TIME_URL"), undefined);
  assert.equal(reader.problems, []);
});

httpUrlSuite("rejects other schemes and relative URLs", () => {
  for (const value of ["ftp://time", "time:8080", "/time", "http//time"]) {
    const reader = new EnvReader({ TIME_URL: value });

    assert.is(reader.httpUrl("TIME_URL"), undefined, value);
    assert.equal(
      reader.problems,
      [
        `Environment variable TIME_URL has the invalid value '${value}'. ` +
          "Expected an absolute http:// or https:// URL, such as 'http://time:8080'.",
      ],
      value,
    );
  }
});

httpUrlSuite.run();

const checkSuite = suite("EnvReader.check");

checkSuite("passes without problems", () => {
  const reader = new EnvReader({ PORT: "80" });
  reader.integer("PORT", 8080, range);

  assert.not.throws(() => reader.check());
});

checkSuite("throws every problem at once", () => {
  const reader = new EnvReader({ PORT: "abc", TIME_URL: "nope" });
  reader.integer("PORT", 8080, range);
  reader.httpUrl("TIME_URL");

  try {
    reader.check();
    assert.unreachable("check() should have thrown");
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.is((error as ConfigError).problems.length, 2);
    assert.match((error as ConfigError).message, "PORT has the invalid value 'abc'");
    assert.match((error as ConfigError).message, "TIME_URL has the invalid value 'nope'");
  }
});

checkSuite.run();
