import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type Lockfile, packageOfPath, pruneLockfile } from "./lockfile.ts";

const manifest = {
  name: "shop",
  version: "1.0.0",
  private: true,
  type: "module",
  bin: { shop: "bin/shop.js" },
  dependencies: { hono: "4.0.0", yaml: "2.0.0", wrapper: "1.0.0" },
  devDependencies: { esbuild: "0.28.2", typescript: "5.0.0" },
};

function lockfile(): Lockfile {
  return {
    name: "shop",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": {
        name: "shop",
        version: "1.0.0",
        bin: { shop: "bin/shop.js" },
        dependencies: { hono: "4.0.0", yaml: "2.0.0", wrapper: "1.0.0" },
        devDependencies: { esbuild: "0.28.2", typescript: "5.0.0" },
      },
      "node_modules/hono": { version: "4.0.0", integrity: "sha512-hono" },
      "node_modules/yaml": { version: "2.0.0", integrity: "sha512-yaml" },
      "node_modules/typescript": { version: "5.0.0", dev: true },
      "node_modules/esbuild": {
        version: "0.28.2",
        dev: true,
        optionalDependencies: { "@esbuild/linux-x64": "0.28.2", "@esbuild/win32-x64": "0.28.2" },
      },
      "node_modules/@esbuild/linux-x64": { version: "0.28.2", dev: true, optional: true },
      "node_modules/wrapper": {
        version: "1.0.0",
        dependencies: { inner: "^2.0.0" },
        peerDependencies: { hono: "^4", absent: "*" },
        peerDependenciesMeta: { absent: { optional: true } },
      },
      "node_modules/wrapper/node_modules/inner": { version: "2.1.0" },
      "node_modules/inner": { version: "1.0.0" },
    },
  };
}

const pruneLockfileSuite = suite("pruneLockfile");

pruneLockfileSuite("keeps only the named packages and the bundler", () => {
  const pruned = pruneLockfile(manifest, lockfile(), ["hono", "esbuild"]);
  assert.equal(pruned.manifest, {
    name: "shop",
    version: "1.0.0",
    private: true,
    type: "module",
    dependencies: { hono: "4.0.0" },
    devDependencies: { esbuild: "0.28.2" },
  });
  assert.equal(Object.keys(pruned.lockfile.packages), [
    "",
    "node_modules/@esbuild/linux-x64",
    "node_modules/esbuild",
    "node_modules/hono",
  ]);
  assert.equal(pruned.lockfile.packages[""], {
    name: "shop",
    version: "1.0.0",
    dependencies: { hono: "4.0.0" },
    devDependencies: { esbuild: "0.28.2" },
  });
  assert.is(pruned.lockfile.lockfileVersion, 3);
});

pruneLockfileSuite("resolves nested dependencies and peers", () => {
  const pruned = pruneLockfile(manifest, lockfile(), ["wrapper"]);
  assert.equal(Object.keys(pruned.lockfile.packages), [
    "",
    "node_modules/hono",
    "node_modules/wrapper",
    "node_modules/wrapper/node_modules/inner",
  ]);
});

pruneLockfileSuite("rejects a package that package.json does not list", () => {
  assert.throws(
    () => pruneLockfile(manifest, lockfile(), ["undici"]),
    (error: Error) =>
      error.message ===
      "package.json does not list 'undici' in its dependencies, but the bundle imports it; add it with 'npm install --save-exact'",
  );
});

pruneLockfileSuite("rejects a lockfile that misses a required package", () => {
  const broken = lockfile();
  delete broken.packages["node_modules/wrapper/node_modules/inner"];
  delete broken.packages["node_modules/inner"];
  assert.throws(
    () => pruneLockfile(manifest, broken, ["wrapper"]),
    (error: Error) =>
      error.message ===
      "package-lock.json has no entry for 'inner', which 'node_modules/wrapper' requires; run 'npm install' to update the lockfile",
  );
});

pruneLockfileSuite("rejects a version 1 lockfile", () => {
  assert.throws(
    () => pruneLockfile(manifest, { lockfileVersion: 1, packages: {} }, ["hono"]),
    /Unsupported package-lock.json version '1'/,
  );
});

const packageOfPathSuite = suite("packageOfPath");

packageOfPathSuite("names plain and scoped packages", () => {
  assert.is(packageOfPath("node_modules/hono/dist/cjs/index.js"), "hono");
  assert.is(packageOfPath("node_modules/@hono/node-server/dist/index.js"), "@hono/node-server");
});

packageOfPathSuite("names the top-level package of a nested one", () => {
  assert.is(packageOfPath("node_modules/wrapper/node_modules/inner/index.js"), "wrapper");
});

packageOfPathSuite("follows a path that leaves the project", () => {
  assert.is(packageOfPath("../../work/main/node_modules/hono/dist/index.js"), "hono");
});

packageOfPathSuite("returns undefined for project sources", () => {
  assert.is(packageOfPath("services/time/src/app.ts"), undefined);
});

pruneLockfileSuite.run();
packageOfPathSuite.run();
