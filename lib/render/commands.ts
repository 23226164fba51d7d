import { loadProject } from "../config/load.ts";
import { parsePullRequestNumber } from "../config/preview.ts";
import { buildServiceImages } from "../images/build.ts";
import { writeObjectFiles } from "./output.ts";
import { detectProvenance } from "./provenance.ts";
import { renderProject, toYamlStream } from "./render.ts";
import { validateEnvironments } from "./validate.ts";

/** The options of `mooring validate` and `mooring render`, as the CLI parsed them. */
export interface RenderCommandOptions {
  /** The environment; `validate` checks every environment when it is not given. */
  env?: string;
  /** The pull request number for a preview environment, as typed. */
  pr?: string;
  /** `render`: the folder to write one file per object into. */
  out?: string;
  /** `render`: images given as `service=reference`, looked up in no registry. */
  image?: string[];
}

/**
 * Runs `mooring validate`: checks the named environment, or every one, and
 * prints a line per environment. Throws a ConfigError listing every problem.
 */
export async function validateCommand(
  root: string,
  options: RenderCommandOptions,
  print: (line: string) => void,
): Promise<number> {
  const summaries = await validateEnvironments(root, options.env === undefined ? undefined : [options.env]);
  for (const summary of summaries) {
    const preview =
      summary.pullRequest === undefined
        ? ""
        : ` (a preview template, shown for pull request ${summary.pullRequest})`;
    print(
      `${summary.file}: valid${preview}, renders ${summary.objects} objects into namespace '${summary.namespace}'`,
    );
  }
  const count = summaries.length === 1 ? "1 environment is" : `${summaries.length} environments are`;
  print(`${count} valid`);
  return 0;
}

/**
 * Runs `mooring render`: renders one environment and prints it as one YAML
 * stream, or writes one file per object into `options.out`. Images come from
 * `--image service=reference`, else from the registry by the content hash of
 * each service's inputs; provenance comes from git and the GitHub Actions
 * variables.
 */
export async function renderCommand(
  root: string,
  options: RenderCommandOptions & { env: string },
  print: (line: string) => void,
): Promise<number> {
  // 1. Configuration.
  const pullRequest = options.pr === undefined ? undefined : parsePullRequestNumber(options.pr, "--pr");
  const project = await loadProject(root, options.env, pullRequest === undefined ? {} : { pullRequest });

  // 2. Images: given ones first, the rest from the registry.
  const images = parseImageOptions(
    options.image ?? [],
    project.services.map((service) => service.name),
  );
  const missing = project.services
    .map((service) => service.name)
    .filter((name) => images[name] === undefined);
  if (missing.length > 0) {
    const found = await buildServiceImages(root, project.environment, missing, undefined, () => {});
    for (const image of found) images[image.service] = image.reference;
  }

  // 3. Render and write.
  const objects = await renderProject(project, images, await detectProvenance(root));
  if (options.out === undefined) {
    print(toYamlStream(objects).trimEnd());
    return 0;
  }
  const files = await writeObjectFiles(options.out, objects);
  print(`wrote ${files.length} objects to ${options.out}`);
  return 0;
}

/** Parses `--image service=reference` options; rejects an unknown service or a service given twice. */
export function parseImageOptions(values: string[], services: string[]): Record<string, string> {
  const images: Record<string, string> = {};
  for (const value of values) {
    const separator = value.indexOf("=");
    const service = value.slice(0, separator);
    if (separator <= 0 || separator === value.length - 1) {
      throw new Error(
        `Invalid --image '${value}'; expected 'service=reference', such as 'time=localhost:5000/mooring/time@sha256:…'`,
      );
    }
    if (!services.includes(service)) {
      throw new Error(
        `Invalid --image '${value}': no service '${service}'; expected one of ${services.map((name) => `'${name}'`).join(", ")}`,
      );
    }
    if (images[service] !== undefined)
      throw new Error(`Invalid --image '${value}': '${service}' is given twice`);
    images[service] = value.slice(separator + 1);
  }
  return images;
}
