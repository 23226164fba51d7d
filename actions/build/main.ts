import * as core from "@actions/core";
import { loadProject } from "../../lib/config/load.ts";
import { print, projectRoot, pullRequestInput, runAction } from "../../lib/github/action.ts";
import { buildImages, formatBuildTable } from "../../lib/images/build.ts";
import { detectBuilder } from "../../lib/images/builder.ts";

await runAction(async () => {
  // 1. Inputs and the project.
  const root = projectRoot();
  const environment = core.getInput("environment", { required: true });
  const pullRequest = pullRequestInput();
  const parallel = core.getInput("parallel");
  if (parallel !== "" && !/^[1-9][0-9]*$/.test(parallel)) {
    throw new Error(`Invalid input 'parallel': '${parallel}'; expected a positive whole number`);
  }
  const project = await loadProject(root, environment);
  const configured = (project.environment.images as Record<string, unknown>).builder;
  const builder = await detectBuilder(
    core.getInput("builder") || (typeof configured === "string" ? configured : undefined),
  );

  // 2. Build.
  const names = project.services.map((service) => service.name);
  const result = await core.group(`Build ${names.length} images with ${builder.name}`, () =>
    buildImages(root, project.environment, names, builder, print, {
      source: pullRequest === undefined ? {} : { pullRequest },
      groupStyle: "plain",
      ...(parallel === "" ? {} : { parallelism: Number(parallel) }),
    }),
  );

  // 3. Outputs and summary.
  const images = result.images;
  core.setOutput(
    "digests",
    JSON.stringify(Object.fromEntries(images.map((image) => [image.service, image.digest]))),
  );
  core.setOutput(
    "images",
    JSON.stringify(Object.fromEntries(images.map((image) => [image.service, image.reference]))),
  );
  core.setOutput(
    "built",
    JSON.stringify(images.filter((image) => image.status === "built").map((image) => image.service)),
  );
  const table = formatBuildTable(result);
  print(table);
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addHeading(`Images for ${environment}`, 3).addCodeBlock(table).write();
  }
});
