import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { runAction } from "../../lib/github/testing/run-action.ts";

const render = suite("render action");
const digest = `sha256:${"c".repeat(64)}`;
const images = JSON.stringify({
  frontend: `localhost:5000/mooring/frontend@${digest}`,
  image: `localhost:5000/mooring/image@${digest}`,
  time: `localhost:5000/mooring/time@${digest}`,
});

render("writes one file per object with given images", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-render-"));
  try {
    const result = await runAction("render", {
      inputs: { environment: "local", images, "output-directory": folder },
    });
    assert.is(result.exitCode, 0, result.log);
    assert.is(result.outputs.directory, folder);
    const files = (await readdir(folder)).filter((name) => name.endsWith(".yaml"));
    assert.is(result.outputs.count, String(files.length));
    assert.match(result.outputs.summary ?? "", `${files.length} objects in namespace mooring-local (`);
    assert.match(result.outputs.summary ?? "", "3 Deployment");
    assert.match(result.summary, "Rendered local");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

render("renders a preview for the pull request of the event", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-render-"));
  try {
    const result = await runAction("render", {
      inputs: { environment: "preview", "pull-request": "31", images, "output-directory": folder },
    });
    assert.is(result.exitCode, 0, result.log);
    assert.match(result.outputs.summary ?? "", "in namespace pr-31");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

render("rejects images that are not JSON", async () => {
  const result = await runAction("render", { inputs: { environment: "local", images: "time=x" } });
  assert.is(result.exitCode, 1);
  assert.match(result.log, "Invalid input 'images': not JSON");
});

render("rejects an image for an unknown service", async () => {
  const result = await runAction("render", {
    inputs: { environment: "local", images: JSON.stringify({ cache: `r/cache@${digest}` }) },
  });
  assert.is(result.exitCode, 1);
  assert.match(result.log, "no service 'cache'");
});

render.run();
