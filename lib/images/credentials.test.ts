import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { findCredentials, writeAuthFile } from "./credentials.ts";

const variables = { username: "REG_USER", password: "REG_PASSWORD" };
// An environment with no auth files, so only what a test sets is found.
const empty = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent", DOCKER_CONFIG: "/nonexistent" };

const findCredentialsSuite = suite("findCredentials");

findCredentialsSuite("reads both variables", () => {
  const found = findCredentials("ghcr.io", variables, { ...empty, REG_USER: "ci", REG_PASSWORD: "pw" });
  assert.equal(found, {
    credentials: { username: "ci", password: "pw" },
    source: "$REG_USER and $REG_PASSWORD",
    fromVariables: true,
  });
});

findCredentialsSuite("rejects one variable without the other", () => {
  assert.throws(
    () => findCredentials("ghcr.io", variables, { ...empty, REG_USER: "ci" }),
    (error: Error) =>
      error.message ===
      "Registry credentials are incomplete: 'REG_USER' is set but 'REG_PASSWORD' is not; set both or neither",
  );
});

findCredentialsSuite("reads the registry's entry of an auth file", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-credentials-test-"));
  try {
    const file = join(folder, "auth.json");
    const auths = {
      "other.example": { auth: Buffer.from("x:y").toString("base64") },
      "https://ghcr.io/v1/": { auth: Buffer.from("ci:pa:ss").toString("base64") },
    };
    await writeFile(file, JSON.stringify({ auths }));
    const found = findCredentials("ghcr.io", variables, { ...empty, REGISTRY_AUTH_FILE: file });
    assert.equal(found, {
      credentials: { username: "ci", password: "pa:ss" },
      source: file,
      fromVariables: false,
    });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

findCredentialsSuite("invalid auth file is reported without its text", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-credentials-test-"));
  try {
    const file = join(folder, "auth.json");
    const auth = Buffer.from("ci:secret-password").toString("base64");
    // The unquoted value makes V8's message quote the characters around it.
    await writeFile(file, `{"auths": {"ghcr.io": {"auth": ${auth}}}}`);
    assert.throws(
      () => findCredentials("ghcr.io", variables, { ...empty, REGISTRY_AUTH_FILE: file }),
      (error: Error) =>
        error.message === `Invalid registry auth file '${file}': not valid JSON; fix it, or log in again`,
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

findCredentialsSuite("returns undefined when nothing is set", () => {
  assert.is(findCredentials("ghcr.io", variables, empty), undefined);
});

const writeAuthFileSuite = suite("writeAuthFile");

writeAuthFileSuite("writes an auths entry readable only by the owner", async () => {
  const { folder, file } = await writeAuthFile("ghcr.io", { username: "ci", password: "pw" });
  try {
    assert.equal(JSON.parse(await readFile(file, "utf8")), {
      auths: { "ghcr.io": { auth: Buffer.from("ci:pw").toString("base64") } },
    });
    assert.is((await stat(file)).mode & 0o777, 0o600);
    assert.is((await stat(folder)).mode & 0o777, 0o700);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

findCredentialsSuite.run();
writeAuthFileSuite.run();
