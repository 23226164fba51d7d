import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";

interface ActionMetadata {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string };
}

// Only the actions of the GitHub layer; bootstrap has its own tests.
const ACTIONS = ["build", "deploy", "preview", "render", "report", "scale"];
const folder = import.meta.dirname;

const metadata = suite("action metadata");

metadata("every action of the layer exists", async () => {
  const folders = await readdir(folder);
  for (const name of ACTIONS) assert.ok(folders.includes(name), `actions/${name} is missing`);
});

for (const name of ACTIONS) {
  metadata(`${name}: runs dist/index.js on node24`, async () => {
    const action = await readMetadata(name);
    assert.is(action.runs?.using, "node24");
    assert.is(action.runs?.main, "dist/index.js");
    assert.ok(action.description, "no description");
  });

  metadata(`${name}: documents every input and output`, async () => {
    const action = await readMetadata(name);
    const source = await readFile(join(folder, name, "main.ts"), "utf8");
    for (const input of inputsReadBy(source)) {
      assert.ok(action.inputs?.[input]?.description, `input '${input}' is read but not documented`);
    }
    for (const output of matches(source, /setOutput\("([^"]+)"/g)) {
      assert.ok(action.outputs?.[output]?.description, `output '${output}' is set but not documented`);
    }
    for (const [key, value] of [
      ...Object.entries(action.inputs ?? {}),
      ...Object.entries(action.outputs ?? {}),
    ]) {
      assert.ok(value.description, `'${key}' has no description`);
    }
  });
}

metadata.run();

async function readMetadata(name: string): Promise<ActionMetadata> {
  return parse(await readFile(join(folder, name, "action.yml"), "utf8")) as ActionMetadata;
}

// Inputs read directly, through the typed helpers, and through the shared helpers' fixed names.
function inputsReadBy(source: string): string[] {
  const names = matches(source, /(?:getInput|getMultilineInput|booleanInput|tokenInput)\("([^"]+)"/g);
  if (source.includes("projectRoot()")) names.push("root");
  if (source.includes("pullRequestInput(")) names.push("pull-request");
  return names;
}

function matches(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((match) => match[1] as string);
}
