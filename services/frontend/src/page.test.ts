import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type PageView, renderPage } from "./page.ts";
import { readTestId } from "./test-backends.ts";

const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="5"/></svg>';

const healthyView: PageView = {
  frontendPod: "frontend-pod-1",
  time: { ok: true, value: { time: "2025-06-01T12:30:45.123Z", epochMs: 1748781045123, pod: "time-pod-1" } },
  image: { ok: true, value: { svg, pod: "image-pod-1" } },
};

async function render(view: PageView): Promise<string> {
  return (await renderPage(view)).toString();
}

const renderPageSuite = suite("renderPage");

renderPageSuite("starts with the doctype", async () => {
  const page = await render(healthyView);

  assert.ok(page.startsWith('<!doctype html>\n<html lang="en">'));
  assert.ok(page.includes('<meta charset="utf-8">'));
  assert.ok(page.includes("<title>Mooring demo</title>"));
  assert.ok(page.trimEnd().endsWith("</html>"));
});

renderPageSuite("marks every value with its test id", async () => {
  const page = await render(healthyView);

  assert.is(readTestId(page, "frontend-pod"), "frontend-pod-1");
  assert.is(readTestId(page, "time-value"), "2025-06-01T12:30:45.123Z");
  assert.is(readTestId(page, "time-pod"), "time-pod-1");
  assert.is(readTestId(page, "image-pod"), "image-pod-1");
});

renderPageSuite("sets the machine-readable time", async () => {
  const page = await render(healthyView);

  assert.ok(page.includes('datetime="2025-06-01T12:30:45.123Z"'));
});

renderPageSuite("embeds the SVG as base64", async () => {
  const page = await render(healthyView);
  const expected = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;

  assert.ok(page.includes(`<img data-testid="image" src="${expected}"`));
});

renderPageSuite("shows backend errors in place", async () => {
  const page = await render({
    frontendPod: "frontend-pod-1",
    time: { ok: false, error: "The time service did not respond within 2000 ms." },
    image: { ok: false, error: "The image service responded with status 503." },
  });

  assert.is(readTestId(page, "time-error"), "The time service did not respond within 2000 ms.");
  assert.is(readTestId(page, "image-error"), "The image service responded with status 503.");
  assert.is(readTestId(page, "time-value"), undefined);
  assert.is(readTestId(page, "image-pod"), undefined);
  assert.not.ok(page.includes("<img"));
});

renderPageSuite("escapes every value", async () => {
  const attack = `"><script>alert('x')</script>`;
  const page = await render({
    frontendPod: attack,
    time: { ok: true, value: { time: attack, epochMs: 0, pod: attack } },
    image: { ok: false, error: attack },
  });

  assert.not.ok(page.includes("<script>"));
  assert.not.ok(page.includes(`"><`));
  assert.is(readTestId(page, "frontend-pod"), "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
});

renderPageSuite.run();
