import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { createProject } from "../testing/fixture.ts";
import type { KubeObject } from "./objects.ts";
import { OUTPUT_MARKER, writeObjectFiles } from "./output.ts";

const writeObjectFilesSuite = suite("writeObjectFiles");

const object = (kind: string, name: string): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata: { name, namespace: "demo" },
});

writeObjectFilesSuite("writes one file per object in apply order", async () => {
  const folder = join(await createProject(), "out");
  const names = await writeObjectFiles(folder, [object("Namespace", "demo"), object("Service", "web")]);
  assert.equal(names, ["01-namespace-demo.yaml", "02-service-web.yaml"]);
  assert.equal((await readdir(folder)).sort(), [OUTPUT_MARKER, ...names]);
  assert.equal(parse(await readFile(join(folder, "02-service-web.yaml"), "utf8")), object("Service", "web"));
});

writeObjectFilesSuite("replaces the previous render", async () => {
  const folder = join(await createProject(), "out");
  await writeObjectFiles(folder, [object("Service", "old"), object("Service", "web")]);
  await writeObjectFiles(folder, [object("Service", "web")]);
  assert.equal((await readdir(folder)).sort(), [OUTPUT_MARKER, "01-service-web.yaml"]);
});

writeObjectFilesSuite("rejects a folder with other files", async () => {
  const folder = join(await createProject(), "out");
  await mkdir(folder);
  await writeFile(join(folder, "environment.yaml"), "keep me");
  try {
    await writeObjectFiles(folder, [object("Service", "web")]);
    assert.unreachable("expected writeObjectFiles to throw");
  } catch (error) {
    assert.is(
      (error as Error).message,
      `Output folder '${folder}' is not empty and was not written by 'mooring render'; give an empty or new folder`,
    );
  }
  assert.equal(await readdir(folder), ["environment.yaml"]);
});

writeObjectFilesSuite("removes only names a render writes", async () => {
  const folder = join(await createProject(), "out");
  await writeObjectFiles(folder, [object("Service", "web")]);
  await writeFile(join(folder, OUTPUT_MARKER), "../escape.yaml\nnotes.txt\n01-service-web.yaml\n");
  await writeFile(join(folder, "notes.txt"), "keep me");
  await writeObjectFiles(folder, [object("Service", "api")]);
  assert.equal((await readdir(folder)).sort(), [OUTPUT_MARKER, "01-service-api.yaml", "notes.txt"]);
});

writeObjectFilesSuite.run();
