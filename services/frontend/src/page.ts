import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { BackendResult, ImageReading, TimeReading } from "./backends.ts";

/** Facts shown on the page. */
export interface PageView {
  frontendPod: string;
  time: BackendResult<TimeReading>;
  image: BackendResult<ImageReading>;
}

/**
 * Renders the demo page. The `html` tag escapes every interpolated value, so pod names and
 * error texts from the backends cannot inject markup. The image is embedded as a base64 data URI
 * because the browser cannot reach the image service inside the cluster. The `data-testid`
 * attributes are read by browser tests.
 */
export function renderPage(view: PageView): HtmlEscapedString | Promise<HtmlEscapedString> {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mooring demo</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; padding: 0 1rem; color: #1d2733; }
section { border: 1px solid #d0d7de; border-radius: 8px; padding: 0.5rem 1rem; margin: 1rem 0; }
.error { color: #b42318; }
code { background: #f3f4f6; padding: 0.1rem 0.3rem; border-radius: 4px; }
</style>
</head>
<body>
<main>
<h1>Mooring demo</h1>
<p>Served by frontend pod <code data-testid="frontend-pod">${view.frontendPod}</code>.</p>
<section>
<h2>Time</h2>
${renderTime(view.time)}
</section>
<section>
<h2>Image</h2>
${renderImage(view.image)}
</section>
<p><a href="/">Reload</a></p>
</main>
</body>
</html>
`;
}

function renderTime(result: BackendResult<TimeReading>) {
  if (!result.ok) return html`<p class="error" data-testid="time-error">${result.error}</p>`;
  const { time, pod } = result.value;
  return html`<p>The time is <time data-testid="time-value" datetime="${time}">${time}</time>.</p>
<p>Served by time pod <code data-testid="time-pod">${pod}</code>.</p>`;
}

function renderImage(result: BackendResult<ImageReading>) {
  if (!result.ok) return html`<p class="error" data-testid="image-error">${result.error}</p>`;
  const { svg, pod } = result.value;
  const source = `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}`;
  return html`<img data-testid="image" src="${source}" alt="Random shapes drawn by the image service">
<p>Served by image pod <code data-testid="image-pod">${pod}</code>.</p>`;
}
