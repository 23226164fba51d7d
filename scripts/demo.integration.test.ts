import { spawnSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadProject } from "../lib/config/load.ts";
import { connect } from "../lib/kube/client.ts";
import { readServiceStatus } from "../lib/reconcile/status.ts";

const root = join(import.meta.dirname, "..");
const demo = suite("npm run demo");
const state: { url?: string; secondRun?: string } = {};

// Runs the demo script as a user would and returns its combined output.
function runDemo(): string {
  const result = spawnSync("bash", ["scripts/demo.sh"], {
    cwd: root,
    encoding: "utf8",
    timeout: 15 * 60 * 1000,
  });
  const output = `${result.stdout}${result.stderr}`;
  assert.is(result.status, 0, `scripts/demo.sh failed:\n${output}`);
  return output;
}

// Reads the text of the element with `data-testid` in an HTML page.
function testIdText(html: string, testId: string): string | undefined {
  return new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`).exec(html)?.[1]?.trim();
}

demo("ends with the frontend URL", () => {
  const output = runDemo();
  const url = /Frontend: (http:\/\/\S+)/.exec(output)?.[1];
  assert.ok(url, `no 'Frontend: URL' line in:\n${output}`);
  assert.match(output, /SERVICE\s+READY\s+PODS\s+NODES\s+IMAGE DIGEST/);
  assert.match(output, /time\s+2\/2/);
  assert.match(output, /image\s+2\/2/);
  assert.match(output, /frontend\s+2\/2/);
  state.url = url;
});

demo("second run rebuilds and changes nothing", () => {
  const output = runDemo();
  assert.match(output, /Images rebuilt: none/);
  assert.not.match(output, /^building /m);
  assert.not.match(output, /^(created|configured|pruned) /m);
  assert.match(output, /^nothing to change in mooring-local$/m);
});

demo("replicas of each service run on different nodes", async () => {
  const project = await loadProject(root, "local");
  const live = await readServiceStatus(connect(root, project.environment), project.environment.namespace, [
    "frontend",
    "time",
    "image",
  ]);
  for (const service of live) {
    assert.is(service.nodes.length, 2, `${service.service} runs on ${service.nodes.join(", ")}`);
    assert.is(new Set(service.nodes).size, 2, `${service.service} runs on ${service.nodes.join(", ")}`);
    for (const node of service.nodes) assert.match(node, /^fedora-kubernetes-\d$/);
  }
});

demo("page is served by both replicas of each backend", async () => {
  assert.ok(state.url, "the first test found no URL");
  const project = await loadProject(root, "local");
  const live = await readServiceStatus(connect(root, project.environment), project.environment.namespace, [
    "time",
    "image",
  ]);
  const expected = Object.fromEntries(live.map((service) => [service.service, new Set(service.pods)]));
  const seen = { time: new Set<string>(), image: new Set<string>() };

  // kube-proxy picks a backend at random, so 40 loads leave a 2^-39 chance of missing one.
  for (let attempt = 0; attempt < 40; attempt++) {
    const response = await fetch(state.url);
    assert.is(response.status, 200);
    const html = await response.text();
    assert.ok(testIdText(html, "time-value"), `no time on the page:\n${html}`);
    assert.match(html, /data-testid="image"[^>]*src="data:image\/svg\+xml;base64,/);
    seen.time.add(testIdText(html, "time-pod") ?? "");
    seen.image.add(testIdText(html, "image-pod") ?? "");
    if (seen.time.size === 2 && seen.image.size === 2) break;
  }
  assert.equal([...seen.time].sort(), [...(expected.time ?? [])].sort());
  assert.equal([...seen.image].sort(), [...(expected.image ?? [])].sort());
});

demo("page shows time and image in Chromium", async () => {
  assert.ok(state.url, "the first test found no URL");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(state.url);
    const time = await page.getByTestId("time-value").textContent();
    assert.ok(time, "the page shows no time");
    assert.not.ok(Number.isNaN(Date.parse(time)), `time '${time}' is not a date`);
    const image = page.getByTestId("image");
    await image.waitFor();
    const width = await image.evaluate((element) => (element as HTMLImageElement).naturalWidth);
    assert.ok(width > 0, "the image did not load in the browser");
    assert.is(await page.getByTestId("time-error").count(), 0);
    assert.is(await page.getByTestId("image-error").count(), 0);
    await mkdir(join(root, "test-results"), { recursive: true });
    await page.screenshot({ path: join(root, "test-results", "frontend.png"), fullPage: true });
  } finally {
    await browser.close();
  }
});

demo.run();
