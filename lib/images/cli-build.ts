import { loadProject } from "../config/load.ts";
import { type BuildOptions, buildImages, formatBuildTable } from "./build.ts";
import { detectBuilder } from "./builder.ts";
import type { Print } from "./log-group.ts";
import type { SourceInfo } from "./source.ts";

/** The options only `mooring build` reads, for the CLI's argument parser; it also reads `--output` and `--pr`. */
export const BUILD_CLI_OPTIONS = {
  builder: { type: "string" },
  parallel: { type: "string" },
  revision: { type: "string" },
  verbose: { type: "boolean" },
} as const;

/** The parsed values `mooring build` reads. */
export interface BuildCommandValues {
  output?: string | undefined;
  builder?: string | undefined;
  parallel?: string | undefined;
  pr?: string | undefined;
  revision?: string | undefined;
  verbose?: boolean | undefined;
}

/**
 * Runs `mooring build`: builds and pushes the images whose inputs changed and
 * prints a table, or with `--output json` the whole result as JSON on stdout
 * (progress then goes to stderr). The builder is `--builder`, else
 * `$MOORING_BUILDER`, else `images.builder` of the environment, else the first found.
 */
export async function buildCommand(
  root: string,
  environmentName: string,
  values: BuildCommandValues,
  print: Print,
): Promise<number> {
  // 1. The options, checked before any work.
  if (values.output !== undefined && values.output !== "json") {
    throw new Error(`Invalid --output '${values.output}': expected 'json'`);
  }
  const json = values.output === "json";
  const progress: Print = json ? (line) => process.stderr.write(`${line}\n`) : print;
  const source: Partial<SourceInfo> = {};
  if (values.pr !== undefined) source.pullRequest = positiveInteger("--pr", values.pr);
  if (values.revision !== undefined) source.revision = values.revision;
  const options: BuildOptions = { verbose: values.verbose ?? false, source };
  if (values.parallel !== undefined) options.parallelism = positiveInteger("--parallel", values.parallel);

  // 2. The project and the builder.
  const project = await loadProject(root, environmentName);
  const configured = (project.environment.images as Record<string, unknown>).builder;
  const preferred =
    values.builder ??
    process.env.MOORING_BUILDER ??
    (typeof configured === "string" ? configured : undefined);
  const builder = await detectBuilder(preferred || undefined);

  // 3. The build and its report.
  const names = project.services.map((service) => service.name);
  const result = await buildImages(root, project.environment, names, builder, progress, options);
  if (json) {
    print(JSON.stringify(result, null, 2));
  } else {
    print("");
    print(formatBuildTable(result));
    const built = result.images.filter((image) => image.built).length;
    print(
      `\n${built} built, ${result.images.length - built} reused with ${builder.name} in ${result.seconds.toFixed(1)} s`,
    );
  }
  return 0;
}

function positiveInteger(option: string, value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) {
    throw new Error(`Invalid ${option} '${value}': expected a positive whole number`);
  }
  return Number(value);
}
