import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type Env, EnvReader } from "../../common/src/index.ts";
import { type DiscoveryRule, resolveBackend } from "./discovery.ts";

interface ResolvedCase {
  name: string;
  service?: string;
  env: Env;
  href: string;
  rule: DiscoveryRule;
  source: string;
}

interface RejectedCase {
  name: string;
  env: Env;
  problem: string;
}

const resolvedCases: ResolvedCase[] = [
  {
    name: "Service DNS name when nothing is set",
    env: {},
    href: "http://time/",
    rule: "dns-name",
    source: "Service DNS name",
  },
  {
    name: "explicit URL",
    env: { TIME_URL: "http://127.0.0.1:18081" },
    href: "http://127.0.0.1:18081/",
    rule: "url-variable",
    source: "TIME_URL",
  },
  {
    name: "explicit https URL with a path",
    env: { TIME_URL: "https://time.example.test/api/now" },
    href: "https://time.example.test/api/now",
    rule: "url-variable",
    source: "TIME_URL",
  },
  {
    name: "explicit URL before Service variables",
    env: { TIME_URL: "http://override:9000", TIME_SERVICE_HOST: "10.96.0.12", TIME_SERVICE_PORT: "80" },
    href: "http://override:9000/",
    rule: "url-variable",
    source: "TIME_URL",
  },
  {
    name: "empty explicit URL as unset",
    env: { TIME_URL: "", TIME_SERVICE_HOST: "10.96.0.12", TIME_SERVICE_PORT: "8080" },
    href: "http://10.96.0.12:8080/",
    rule: "service-variables",
    source: "TIME_SERVICE_HOST and TIME_SERVICE_PORT",
  },
  {
    name: "Service variables with IPv4",
    env: { TIME_SERVICE_HOST: "10.96.0.12", TIME_SERVICE_PORT: "8080" },
    href: "http://10.96.0.12:8080/",
    rule: "service-variables",
    source: "TIME_SERVICE_HOST and TIME_SERVICE_PORT",
  },
  {
    name: "Service variables on port 80",
    env: { TIME_SERVICE_HOST: "10.96.0.12", TIME_SERVICE_PORT: "80" },
    href: "http://10.96.0.12/",
    rule: "service-variables",
    source: "TIME_SERVICE_HOST and TIME_SERVICE_PORT",
  },
  {
    name: "Service variables with IPv6 in brackets",
    env: { TIME_SERVICE_HOST: "fd00:10:96::a", TIME_SERVICE_PORT: "80" },
    href: "http://[fd00:10:96::a]/",
    rule: "service-variables",
    source: "TIME_SERVICE_HOST and TIME_SERVICE_PORT",
  },
  {
    name: "Service variables with bracketed IPv6",
    env: { TIME_SERVICE_HOST: "[::1]", TIME_SERVICE_PORT: "18081" },
    href: "http://[::1]:18081/",
    rule: "service-variables",
    source: "TIME_SERVICE_HOST and TIME_SERVICE_PORT",
  },
  {
    name: "Service variables with a host name",
    env: { TIME_SERVICE_HOST: "time.demo.svc.cluster.local", TIME_SERVICE_PORT: "8080" },
    href: "http://time.demo.svc.cluster.local:8080/",
    rule: "service-variables",
    source: "TIME_SERVICE_HOST and TIME_SERVICE_PORT",
  },
  {
    name: "image prefix for the image Service",
    service: "image",
    env: { TIME_URL: "http://wrong", IMAGE_SERVICE_HOST: "10.96.0.13", IMAGE_SERVICE_PORT: "80" },
    href: "http://10.96.0.13/",
    rule: "service-variables",
    source: "IMAGE_SERVICE_HOST and IMAGE_SERVICE_PORT",
  },
  {
    name: "underscores for hyphens in the prefix",
    service: "time-api",
    env: { TIME_API_URL: "http://127.0.0.1:1234" },
    href: "http://127.0.0.1:1234/",
    rule: "url-variable",
    source: "TIME_API_URL",
  },
  {
    name: "DNS name keeps hyphens",
    service: "time-api",
    env: {},
    href: "http://time-api/",
    rule: "dns-name",
    source: "Service DNS name",
  },
];

const rejectedCases: RejectedCase[] = [
  {
    name: "explicit URL with another scheme",
    env: { TIME_URL: "ftp://time" },
    problem:
      "Environment variable TIME_URL has the invalid value 'ftp://time'. " +
      "Expected an absolute http:// or https:// URL, such as 'http://time:8080'.",
  },
  {
    name: "explicit URL without a scheme",
    env: { TIME_URL: "time:8080" },
    problem:
      "Environment variable TIME_URL has the invalid value 'time:8080'. " +
      "Expected an absolute http:// or https:// URL, such as 'http://time:8080'.",
  },
  {
    name: "host without port",
    env: { TIME_SERVICE_HOST: "10.96.0.12" },
    problem:
      "Environment variable TIME_SERVICE_HOST is set but TIME_SERVICE_PORT is missing. Set both or neither.",
  },
  {
    name: "port without host",
    env: { TIME_SERVICE_PORT: "80" },
    problem:
      "Environment variable TIME_SERVICE_PORT is set but TIME_SERVICE_HOST is missing. Set both or neither.",
  },
  {
    name: "port that is not a number",
    env: { TIME_SERVICE_HOST: "10.96.0.12", TIME_SERVICE_PORT: "http" },
    problem:
      "Environment variable TIME_SERVICE_PORT has the invalid value 'http'. Expected an integer from 1 to 65535.",
  },
  {
    name: "port out of range",
    env: { TIME_SERVICE_HOST: "10.96.0.12", TIME_SERVICE_PORT: "70000" },
    problem:
      "Environment variable TIME_SERVICE_PORT has the invalid value '70000'. Expected an integer from 1 to 65535.",
  },
  {
    name: "host with a path",
    env: { TIME_SERVICE_HOST: "10.96.0.12/admin", TIME_SERVICE_PORT: "80" },
    problem:
      "Environment variable TIME_SERVICE_HOST has the invalid value '10.96.0.12/admin'. " +
      "Expected an IPv4 address, an IPv6 address or a host name.",
  },
  {
    name: "host with user info",
    env: { TIME_SERVICE_HOST: "user@evil", TIME_SERVICE_PORT: "80" },
    problem:
      "Environment variable TIME_SERVICE_HOST has the invalid value 'user@evil'. " +
      "Expected an IPv4 address, an IPv6 address or a host name.",
  },
  {
    name: "malformed IPv6",
    env: { TIME_SERVICE_HOST: "fd00:::1", TIME_SERVICE_PORT: "80" },
    problem:
      "Environment variable TIME_SERVICE_HOST has the invalid value 'fd00:::1'. " +
      "Expected an IPv4 address, an IPv6 address or a host name.",
  },
];

const resolveBackendSuite = suite("resolveBackend");

for (const testCase of resolvedCases) {
  resolveBackendSuite(`resolves ${testCase.name}`, () => {
    const reader = new EnvReader(testCase.env);

    const target = resolveBackend(reader, testCase.service ?? "time");

    assert.is(target.url.href, testCase.href);
    assert.is(target.rule, testCase.rule);
    assert.is(target.source, testCase.source);
    assert.equal(reader.problems, []);
  });
}

for (const testCase of rejectedCases) {
  resolveBackendSuite(`rejects ${testCase.name}`, () => {
    const reader = new EnvReader(testCase.env);

    resolveBackend(reader, "time");

    assert.equal(reader.problems, [testCase.problem]);
  });
}

resolveBackendSuite.run();
