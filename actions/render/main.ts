import { join, resolve } from "node:path";
import * as core from "@actions/core";
import { loadProject } from "../../lib/config/load.ts";
import { print, projectRoot, pullRequestInput, runAction } from "../../lib/github/action.ts";
import { buildServiceImages } from "../../lib/images/build.ts";
import { parseImageOptions } from "../../lib/render/commands.ts";
import { writeObjectFiles } from "../../lib/render/output.ts";
import { detectProvenance } from "../../lib/render/provenance.ts";
import { renderProject } from "../../lib/render/render.ts";

await runAction(async () => {
  // 1. Inputs and the project.
  const root = projectRoot();
  const environment = core.getInput("environment", { required: true });
  const pullRequest = pullRequestInput();
  const project = await loadProject(root, environment, pullRequest === undefined ? {} : { pullRequest });
  const names = project.services.map((service) => service.name);
  const directory = resolve(
    core.getInput("output-directory") || join(process.env.RUNNER_TEMP ?? root, "mooring-render", environment),
  );

  // 2. Images: given ones first, the rest from the registry.
  const images = parseImageOptions(imagesInput(), names);
  const missing = names.filter((name) => images[name] === undefined);
  if (missing.length > 0) {
    const found = await core.group(`Look up ${missing.length} images`, () =>
      buildServiceImages(root, project.environment, missing, undefined, print),
    );
    for (const image of found) images[image.service] = image.reference;
  }

  // 3. Render and write.
  const objects = await renderProject(project, images, await detectProvenance(root));
  const files = await core.group(`Write ${objects.length} objects`, () =>
    writeObjectFiles(directory, objects),
  );
  const kinds = new Map<string, number>();
  for (const object of objects) kinds.set(object.kind, (kinds.get(object.kind) ?? 0) + 1);
  const byKind = [...kinds].map(([kind, count]) => `${count} ${kind}`).join(", ");
  const summary = `${files.length} objects in namespace ${project.environment.namespace} (${byKind})`;

  // 4. Outputs and summary.
  core.setOutput("directory", directory);
  core.setOutput("summary", summary);
  core.setOutput("count", String(files.length));
  print(summary);
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addHeading(`Rendered ${environment}`, 3).addRaw(summary, true).write();
  }
});

// The JSON map of the build action's 'images' output, as `service=reference` options.
function imagesInput(): string[] {
  const text = core.getInput("images");
  if (text === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(
      `Invalid input 'images': not JSON; expected an object such as {"time":"registry/time@sha256:…"}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`Invalid input 'images': expected an object such as {"time":"registry/time@sha256:…"}`);
  }
  return Object.entries(value).map(([service, reference]) => `${service}=${reference}`);
}
