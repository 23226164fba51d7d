import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SecretSearch } from "./secret-search.ts";

const PASSWORD = "canary-password-for-the-search";
const secrets = [{ name: "password", values: [PASSWORD] }];

const search = suite("SecretSearch");

search("finds a plain value inside text", () => {
  const searched = new SecretSearch(secrets);
  searched.add("log", `login with ${PASSWORD} failed`);
  assert.equal(searched.findings, [{ secret: "password", source: "log", form: "plain" }]);
});

search("finds base64 at every alignment", () => {
  for (const prefix of ["", "u:", "user:", "a-user:"]) {
    const searched = new SecretSearch(secrets);
    const header = `Basic ${Buffer.from(`${prefix}${PASSWORD}`).toString("base64")}`;
    searched.add("header", `authorization: ${header}`);
    assert.equal(searched.findings, [{ secret: "password", source: "header", form: "base64" }], prefix);
  }
});

search("finds base64url", () => {
  const searched = new SecretSearch([
    { name: "token", values: ["\u00ff\u00fe-canary-token-with-high-bytes"] },
  ]);
  const encoded = Buffer.from("\u00ff\u00fe-canary-token-with-high-bytes").toString("base64url");
  assert.ok(/[-_]/.test(encoded), encoded);
  searched.add("jwt", `eyJ.${encoded}.sig`);
  assert.equal(
    searched.findings.map((finding) => finding.form),
    ["base64url"],
  );
});

search("finds a value inside a gzip stream", () => {
  const searched = new SecretSearch(secrets);
  searched.add("layer", gzipSync(Buffer.from(`ENV PASSWORD=${PASSWORD}\n`)));
  assert.equal(
    searched.findings.map((finding) => finding.source),
    ["layer"],
  );
});

search("reports nothing for unrelated text", () => {
  const searched = new SecretSearch(secrets);
  searched.add("log", "canary-password-for-the-searc and other words");
  assert.equal(searched.findings, []);
  assert.equal(searched.sources, ["log"]);
});

search("rejects a value too short to search", () => {
  assert.throws(() => new SecretSearch([{ name: "pin", values: ["1234"] }]), /under 12 characters/);
});

search("searches a folder without links and exclusions", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-secret-search-"));
  try {
    await mkdir(join(folder, "nested"));
    await writeFile(join(folder, "nested", "leak.txt"), PASSWORD);
    await writeFile(join(folder, "kubeconfig"), PASSWORD);
    await writeFile(join(folder, "clean.txt"), "nothing here");
    await symlink(join(folder, "kubeconfig"), join(folder, "link"));
    const searched = new SecretSearch(secrets);
    const count = await searched.addFolder("workspace", folder, ["kubeconfig"]);
    assert.is(count, 2);
    assert.equal(
      searched.findings.map((finding) => finding.source),
      ["workspace/nested/leak.txt"],
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

search.run();
