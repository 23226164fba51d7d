import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createProject, FIXTURE_IMAGES, PREVIEW_YAML } from "../testing/fixture.ts";
import { parseImageOptions, renderCommand, validateCommand } from "./commands.ts";

const IMAGE_OPTIONS = Object.entries(FIXTURE_IMAGES).map(([service, reference]) => `${service}=${reference}`);

const renderCommandSuite = suite("renderCommand");

async function run(root: string, options: Parameters<typeof renderCommand>[1]): Promise<string[]> {
  const printed: string[] = [];
  assert.is(await renderCommand(root, options, (line) => printed.push(line)), 0);
  return printed;
}

renderCommandSuite("prints one stream, the same each time", async () => {
  const root = await createProject();
  const first = await run(root, { env: "local", image: IMAGE_OPTIONS });
  const second = await run(root, { env: "local", image: IMAGE_OPTIONS });
  assert.is(first.length, 1);
  assert.match(first[0] ?? "", /^apiVersion: v1\nkind: Namespace\n/);
  assert.is(second[0], first[0]);
});

renderCommandSuite("writes files with --out", async () => {
  const root = await createProject();
  const out = join(root, "rendered");
  assert.equal(await run(root, { env: "local", image: IMAGE_OPTIONS, out }), [`wrote 8 objects to ${out}`]);
  assert.is((await readdir(out)).filter((name) => name.endsWith(".yaml")).length, 8);
});

renderCommandSuite("renders a preview for --pr", async () => {
  const root = await createProject({ "clusters/preview/environment.yaml": PREVIEW_YAML });
  const [stream] = await run(root, { env: "preview", pr: "17", image: IMAGE_OPTIONS });
  assert.match(stream ?? "", /name: pr-17\n/);
  assert.match(stream ?? "", /host: pr-17\.preview\.example\.com\n/);
});

renderCommandSuite("rejects an invalid --pr", async () => {
  const root = await createProject({ "clusters/preview/environment.yaml": PREVIEW_YAML });
  try {
    await run(root, { env: "preview", pr: "017", image: IMAGE_OPTIONS });
    assert.unreachable("expected an error");
  } catch (error) {
    assert.is((error as Error).message, "Invalid --pr: '017'; expected a positive integer such as '42'");
  }
});

const validateCommandSuite = suite("validateCommand");

validateCommandSuite("prints a line per environment", async () => {
  const root = await createProject({ "clusters/preview/environment.yaml": PREVIEW_YAML });
  const printed: string[] = [];
  assert.is(await validateCommand(root, {}, (line) => printed.push(line)), 0);
  assert.equal(printed, [
    "clusters/local/environment.yaml: valid, renders 8 objects into namespace 'demo'",
    "clusters/preview/environment.yaml: valid (a preview template, shown for pull request 1), renders 8 objects into namespace 'pr-1'",
    "2 environments are valid",
  ]);
});

const parseImageOptionsSuite = suite("parseImageOptions");

parseImageOptionsSuite("maps services to references", () => {
  assert.equal(parseImageOptions(["web=r/web@sha256:1", "api=r/api=x"], ["api", "web"]), {
    web: "r/web@sha256:1",
    api: "r/api=x",
  });
});

parseImageOptionsSuite("rejects malformed, unknown and repeated services", () => {
  assert.throws(
    () => parseImageOptions(["web"], ["web"]),
    /^Invalid --image 'web'; expected 'service=reference'/,
  );
  assert.throws(
    () => parseImageOptions(["db=x"], ["web"]),
    /^Invalid --image 'db=x': no service 'db'; expected one of 'web'$/,
  );
  assert.throws(
    () => parseImageOptions(["web=a", "web=b"], ["web"]),
    /^Invalid --image 'web=b': 'web' is given twice$/,
  );
});

renderCommandSuite.run();
validateCommandSuite.run();
parseImageOptionsSuite.run();
