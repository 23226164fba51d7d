import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { diffInputs, digestInputs, stageBuildContext } from "./context.ts";

// A project with services 'a' (imports the shared code and hono) and 'b' (imports neither).
async function createProject(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "mooring-context-test-"));
  const rootManifest = JSON.parse(await readFile(join(REPOSITORY_ROOT, "package.json"), "utf8"));
  const files: Record<string, string> = {
    "package.json": JSON.stringify(rootManifest),
    "package-lock.json": await readFile(join(REPOSITORY_ROOT, "package-lock.json"), "utf8"),
    "tsconfig.json": "{}\n",
    "services/common/src/shared.ts": "export const greeting = 'hello';\n",
    "services/common/src/other.ts": "export const unused = 1;\n",
    "services/a/src/server.ts":
      "import { Hono } from 'hono';\nimport { greeting } from '../../common/src/shared.ts';\nconsole.log(new Hono(), greeting);\n",
    "services/a/src/server.test.ts": "// not imported\n",
    "services/a/Containerfile": "FROM scratch\n",
    "services/b/src/server.ts": "import { answer } from './answer.ts';\nconsole.log(answer);\n",
    "services/b/src/answer.ts": "export const answer = 42;\n",
    "services/b/Containerfile": "FROM scratch\n",
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await symlink(join(REPOSITORY_ROOT, "node_modules"), join(root, "node_modules"));
  return root;
}

const stageBuildContextSuite = suite("stageBuildContext");

stageBuildContextSuite("stages only the imported files", async () => {
  const root = await createProject();
  const context = await stageBuildContext(root, "a", { BASE_IMAGE: "base@sha256:1" });
  try {
    assert.equal(Object.keys(context.inputs), [
      "file:package-lock.json",
      "file:package.json",
      "file:services/a/src/server.ts",
      "file:services/common/src/shared.ts",
      "file:tsconfig.json",
      "Containerfile",
      "build-arg:BASE_IMAGE",
    ]);
    assert.is(context.inputs["build-arg:BASE_IMAGE"], "base@sha256:1");
    assert.ok(existsSync(join(context.folder, "services/common/src/shared.ts")));
    assert.not.ok(existsSync(join(context.folder, "services/common/src/other.ts")));
    assert.not.ok(existsSync(join(context.folder, "services/a/src/server.test.ts")));
    const manifest = JSON.parse(await readFile(join(context.folder, "package.json"), "utf8"));
    assert.equal(manifest.dependencies, {
      hono: JSON.parse(await readFile(join(root, "package.json"), "utf8")).dependencies.hono,
    });
    assert.equal(Object.keys(manifest.devDependencies), ["esbuild"]);
  } finally {
    await context.dispose();
    await rm(root, { recursive: true, force: true });
  }
});

stageBuildContextSuite("digest ignores files the service does not import", async () => {
  const root = await createProject();
  try {
    const before = await stageBuildContext(root, "a", {});
    await before.dispose();
    await writeFile(join(root, "services/common/src/other.ts"), "export const unused = 2;\n");
    await writeFile(join(root, "services/b/src/answer.ts"), "export const answer = 43;\n");
    const after = await stageBuildContext(root, "a", {});
    await after.dispose();
    assert.is(after.digest, before.digest);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

stageBuildContextSuite("digest follows shared code, Containerfile and build arguments", async () => {
  const root = await createProject();
  try {
    const digests = new Set<string>();
    const stage = async (buildArgs: Record<string, string>) => {
      const context = await stageBuildContext(root, "a", buildArgs);
      await context.dispose();
      digests.add(context.digest);
    };
    await stage({ BASE_IMAGE: "base@sha256:1" });
    await writeFile(join(root, "services/common/src/shared.ts"), "export const greeting = 'hi';\n");
    await stage({ BASE_IMAGE: "base@sha256:1" });
    await writeFile(join(root, "services/a/Containerfile"), "FROM scratch\nUSER 1\n");
    await stage({ BASE_IMAGE: "base@sha256:1" });
    await stage({ BASE_IMAGE: "base@sha256:2" });
    assert.is(digests.size, 4);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

stageBuildContextSuite("names the import that cannot be resolved", async () => {
  const root = await createProject();
  try {
    await writeFile(
      join(root, "services/b/src/server.ts"),
      "import { x } from './missing.ts';\nconsole.log(x);\n",
    );
    let message = "";
    try {
      await stageBuildContext(root, "b", {});
    } catch (error) {
      message = (error as Error).message;
    }
    assert.match(
      message,
      /^Resolving the imports of 'services\/b\/src\/server.ts' failed: services\/b\/src\/server.ts:1: Could not resolve "\.\/missing\.ts"/,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

const digestInputsSuite = suite("digestInputs");

digestInputsSuite("does not depend on key order", () => {
  assert.is(digestInputs({ a: "1", b: "2" }), digestInputs({ b: "2", a: "1" }));
  assert.is.not(digestInputs({ a: "1", b: "2" }), digestInputs({ a: "1", b: "3" }));
});

const diffInputsSuite = suite("diffInputs");

diffInputsSuite("lists changed, added and removed inputs", () => {
  assert.equal(diffInputs({ a: "1", b: "2", c: "3" }, { a: "1", b: "9", d: "4" }), [
    "changed b",
    "removed c",
    "added d",
  ]);
});

stageBuildContextSuite.run();
digestInputsSuite.run();
diffInputsSuite.run();
