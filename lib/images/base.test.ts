import { existsSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { listSharedLibraries } from "./base.ts";
import { parseImageName } from "./registry.ts";

const listSharedLibrariesSuite = suite("listSharedLibraries");

listSharedLibrariesSuite("lists node's libc and loader", async () => {
  const libraries = await listSharedLibraries(process.execPath);
  assert.ok(
    libraries.some((path) => /\/libc\.so\.6$/.test(path)),
    libraries.join(", "),
  );
  assert.ok(
    libraries.some((path) => /\/ld-linux[^/]*\.so\.\d$/.test(path)),
    libraries.join(", "),
  );
  for (const path of libraries) assert.ok(existsSync(path), `${path} does not exist`);
});

const parseImageNameSuite = suite("parseImageName");

parseImageNameSuite("splits registry and repository", () => {
  assert.equal(parseImageName("localhost:5000/mooring/time"), {
    registry: "localhost:5000",
    repository: "mooring/time",
  });
});

parseImageNameSuite("rejects a name without registry", () => {
  assert.throws(
    () => parseImageName("time"),
    (error: Error) =>
      error.message ===
      "Invalid image name 'time': expected 'registry/repository', such as 'localhost:5000/mooring/time'",
  );
});

listSharedLibrariesSuite.run();
parseImageNameSuite.run();
