import { createSign, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadProject } from "../config/load.ts";
import type { Environment } from "../config/schema.ts";
import { runCommand } from "../process.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { ensureLocalNodeImages } from "./base.ts";
import { type BuildOptions, buildImages } from "./build.ts";
import { createBuilder } from "./builder.ts";
import { RegistryClient } from "./registry.ts";
import { startRegistry, stopRegistry, type TestRegistry } from "./testing/registry.ts";

// Two registries of this test's own, on loopback: one behind basic auth, one behind a token service.
const USERNAME = "ci";
const PASSWORD = "mooring-test-password";
// bcrypt of PASSWORD (cost 4): the registry's htpasswd accepts bcrypt only, and Node.js has no bcrypt.
const PASSWORD_BCRYPT = "$2b$04$W5Z5XOlZeS.Dl52BgM66/uDHPSjmS5aUqWO04wLIMNCUArs89PXf2";
const VARIABLES = { username: "MOORING_TEST_REGISTRY_USERNAME", password: "MOORING_TEST_REGISTRY_PASSWORD" };
const SHARED_PREFIX = "localhost:5000/mooring-images-test";
const builder = createBuilder("buildah");

const state: {
  folder?: string;
  registries: TestRegistry[];
  tokenServer?: Server;
  tokenRequests: IncomingMessage[];
  basicHost?: string;
  tokenHost?: string;
  environment?: Environment;
  options?: BuildOptions;
} = { registries: [], tokenRequests: [] };

// A token service: checks basic credentials and signs a JWT for the requested scopes with the test key.
async function startTokenService(key: string, certificate: string): Promise<string> {
  const certificateDer = certificate.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  const server = createServer((request, response) => {
    state.tokenRequests.push(request);
    const expected = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")}`;
    if (request.headers.authorization !== expected) {
      response.statusCode = 401;
      response.end();
      return;
    }
    const url = new URL(request.url ?? "/", "http://token");
    const access = url.searchParams.getAll("scope").flatMap((scope) => {
      const [type, name, actions] = scope.split(":");
      return type === "repository" ? [{ type, name, actions: (actions ?? "").split(",") }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const header = encode({ alg: "RS256", typ: "JWT", x5c: [certificateDer] });
    const claims = encode({
      iss: "mooring-test-issuer",
      sub: USERNAME,
      aud: "mooring-test-registry",
      iat: now,
      nbf: now - 10,
      exp: now + 300,
      jti: randomBytes(8).toString("hex"),
      access,
    });
    const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(key).toString("base64url");
    const token = `${header}.${claims}.${signature}`;
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.tokenServer = server;
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
}

function environmentFor(host: string): Environment {
  const environment = state.environment as Environment;
  return { ...environment, images: { ...environment.images, registry: `${host}/mooring-auth-test` } };
}

async function buildTime(host: string, printed: string[]) {
  process.env[VARIABLES.username] = USERNAME;
  process.env[VARIABLES.password] = PASSWORD;
  try {
    return await buildImages(
      REPOSITORY_ROOT,
      environmentFor(host),
      ["time"],
      builder,
      (line) => printed.push(line),
      {
        ...state.options,
        verbose: true,
      },
    );
  } finally {
    delete process.env[VARIABLES.username];
    delete process.env[VARIABLES.password];
  }
}

const registryAuthSuite = suite("registry authentication");

registryAuthSuite.before(async () => {
  state.folder = await mkdtemp(join(tmpdir(), "mooring-registry-auth-test-"));
  const folder = state.folder;

  // 1. The token service's key and self-signed certificate, which the token registry trusts.
  await runCommand("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=mooring-test-token",
    "-keyout",
    join(folder, "token.key"),
    "-out",
    join(folder, "token.crt"),
  ]);
  const key = await readFile(join(folder, "token.key"), "utf8");
  const certificate = await readFile(join(folder, "token.crt"), "utf8");
  const realm = await startTokenService(key, certificate);

  // 2. The two registries.
  await writeFile(join(folder, "htpasswd"), `${USERNAME}:${PASSWORD_BCRYPT}\n`);
  const basic = await startRegistry(
    folder,
    "basic",
    ["  htpasswd:", "    realm: mooring-test", `    path: ${join(folder, "htpasswd")}`].join("\n"),
  );
  state.registries.push(basic);
  const token = await startRegistry(
    folder,
    "token",
    [
      "  token:",
      `    realm: ${realm}`,
      "    service: mooring-test-registry",
      "    issuer: mooring-test-issuer",
      `    rootcertbundle: ${join(folder, "token.crt")}`,
    ].join("\n"),
  );
  state.registries.push(token);
  state.basicHost = basic.host;
  state.tokenHost = token.host;

  // 3. Services build on the shared local base images, pulled anonymously from the local registry.
  const base = await ensureLocalNodeImages({
    prefix: SHARED_PREFIX,
    registry: new RegistryClient("localhost:5000", { insecure: true }),
    builder,
    insecure: true,
  });
  assert.ok(base, "no local base images");
  const project = await loadProject(REPOSITORY_ROOT, "local");
  state.environment = {
    ...project.environment,
    images: { ...project.environment.images, base: base.runtime.reference },
  };
  state.options = {
    buildImage: base.build.reference,
    credentialVariables: VARIABLES,
    source: { pullRequest: 3 },
  };
});

registryAuthSuite.after(async () => {
  await Promise.all(state.registries.map(stopRegistry));
  state.tokenServer?.close();
  if (state.folder !== undefined) await rm(state.folder, { recursive: true, force: true });
});

registryAuthSuite("basic auth rejects anonymous access", async () => {
  const client = new RegistryClient(state.basicHost as string, { insecure: true });
  try {
    await client.findDigest("mooring-auth-test/time", "latest");
    assert.unreachable("findDigest resolved");
  } catch (error) {
    assert.match((error as Error).message, /requires basic authentication, but no credentials are set/);
  }
});

registryAuthSuite("basic auth rejects a wrong password", async () => {
  const client = new RegistryClient(state.basicHost as string, {
    insecure: true,
    credentials: { username: USERNAME, password: "wrong" },
  });
  try {
    await client.findDigest("mooring-auth-test/time", "latest");
    assert.unreachable("findDigest resolved");
  } catch (error) {
    assert.match((error as Error).message, /rejected the credentials of 'ci' for HEAD .* \(HTTP 401\)/);
  }
});

registryAuthSuite("build pushes through basic auth", async () => {
  const printed: string[] = [];
  const first = await buildTime(state.basicHost as string, printed);
  const image = first.images[0];
  assert.is(image?.status, "built", printed.join("\n"));
  assert.is(first.credentialsSource, `$${VARIABLES.username} and $${VARIABLES.password}`);
  const client = new RegistryClient(state.basicHost as string, {
    insecure: true,
    credentials: { username: USERNAME, password: PASSWORD },
  });
  assert.is(await client.findDigest("mooring-auth-test/time", "pr-3"), image?.digest);
  assert.not.ok(printed.join("\n").includes(PASSWORD), "the password was printed");

  const second = await buildTime(state.basicHost as string, printed);
  assert.is(second.images[0]?.status, "reused");
  assert.is(second.images[0]?.digest, image?.digest);
});

registryAuthSuite("client follows the bearer token flow", async () => {
  const client = new RegistryClient(state.tokenHost as string, {
    insecure: true,
    credentials: { username: USERNAME, password: PASSWORD },
  });
  const before = state.tokenRequests.length;
  assert.is(await client.findDigest("mooring-auth-test/absent", "latest"), undefined);
  assert.is(await client.findDigest("mooring-auth-test/absent", "other"), undefined);
  const requests = state.tokenRequests.slice(before);
  assert.is(requests.length, 1, "the token was not reused for the same scope");
  const scope = new URL(requests[0]?.url ?? "/", "http://token").searchParams.get("scope");
  assert.is(scope, "repository:mooring-auth-test/absent:pull");
});

registryAuthSuite("build pushes through bearer tokens", async () => {
  const printed: string[] = [];
  const before = state.tokenRequests.length;
  const result = await buildTime(state.tokenHost as string, printed);
  const image = result.images[0];
  assert.is(image?.status, "built", printed.join("\n"));
  const client = new RegistryClient(state.tokenHost as string, {
    insecure: true,
    credentials: { username: USERNAME, password: PASSWORD },
  });
  assert.is(await client.findDigest("mooring-auth-test/time", "pr-3"), image?.digest);
  const scopes = state.tokenRequests
    .slice(before)
    .map((request) => new URL(request.url ?? "/", "http://token").searchParams.get("scope") ?? "");
  assert.ok(
    scopes.some((scope) => /^repository:mooring-auth-test\/time:(pull,push|push,pull)$/.test(scope)),
    scopes.join(", "),
  );
  assert.not.ok(printed.join("\n").includes(PASSWORD), "the password was printed");
});

registryAuthSuite.run();
