import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { basicAuthorization, parseChallenge, TokenCache } from "./registry-auth.ts";

const parseChallengeSuite = suite("parseChallenge");

parseChallengeSuite("reads a bearer challenge with quoted commas", () => {
  assert.equal(
    parseChallenge(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
    ),
    {
      scheme: "bearer",
      parameters: {
        realm: "https://auth.example/token",
        service: "registry.example",
        scope: "repository:a/b:pull,push",
      },
    },
  );
});

parseChallengeSuite("reads a basic challenge", () => {
  assert.equal(parseChallenge('Basic realm="Registry Realm"'), {
    scheme: "basic",
    parameters: { realm: "Registry Realm" },
  });
});

parseChallengeSuite("returns an empty scheme for an empty header", () => {
  assert.equal(parseChallenge(""), { scheme: "", parameters: {} });
});

// A token service on loopback that records each request and returns `token`.
async function startTokenService(token: string) {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ token }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { realm: `http://127.0.0.1:${port}/token`, requests, close: () => server.close() };
}

const tokenCacheSuite = suite("TokenCache");

tokenCacheSuite("trades credentials for a bearer token", async () => {
  const service = await startTokenService("t0ken");
  try {
    const cache = new TokenCache();
    const credentials = { username: "ci", password: "s3cret" };
    const challenge = parseChallenge(
      `Bearer realm="${service.realm}",service="reg",scope="repository:a:pull"`,
    );
    const header = await cache.authorize(challenge, "repository:a:pull", credentials, "reg.example");
    assert.is(header, "Bearer t0ken");
    assert.is(cache.header("repository:a:pull"), "Bearer t0ken");
    assert.is(cache.header("repository:b:pull"), undefined);
    assert.is(service.requests.length, 1);
    const url = new URL(service.requests[0]?.url ?? "", "http://x");
    assert.is(url.searchParams.get("service"), "reg");
    assert.is(url.searchParams.get("scope"), "repository:a:pull");
    assert.is(service.requests[0]?.headers.authorization, basicAuthorization(credentials));
  } finally {
    service.close();
  }
});

tokenCacheSuite("asks anonymously without credentials", async () => {
  const service = await startTokenService("anon");
  try {
    const challenge = parseChallenge(`Bearer realm="${service.realm}"`);
    assert.is(
      await new TokenCache().authorize(challenge, "repository:a:pull", undefined, "reg"),
      "Bearer anon",
    );
    assert.is(service.requests[0]?.headers.authorization, undefined);
    assert.is(
      new URL(service.requests[0]?.url ?? "", "http://x").searchParams.get("scope"),
      "repository:a:pull",
    );
  } finally {
    service.close();
  }
});

tokenCacheSuite("answers basic with the credentials for every scope", async () => {
  const cache = new TokenCache();
  const credentials = { username: "ci", password: "pw" };
  const header = await cache.authorize(
    parseChallenge('Basic realm="r"'),
    "repository:a:pull",
    credentials,
    "reg",
  );
  assert.is(header, `Basic ${Buffer.from("ci:pw").toString("base64")}`);
  assert.is(cache.header("repository:other:push"), header);
});

tokenCacheSuite("rejects basic without credentials", async () => {
  try {
    await new TokenCache().authorize(parseChallenge('Basic realm="r"'), "s", undefined, "reg.example");
    assert.unreachable("authorize resolved");
  } catch (error) {
    assert.is(
      (error as Error).message,
      "Registry 'reg.example' requires basic authentication, but no credentials are set; set the registry credentials' variables",
    );
  }
});

parseChallengeSuite.run();
tokenCacheSuite.run();
