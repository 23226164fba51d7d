import { ConfigError, type ConfigProblem } from "../config/errors.ts";
import { environmentFile, listEnvironments, loadProjectFiles, type Project } from "../config/load.ts";
import { instantiatePreview } from "../config/preview.ts";
import { RenderError, type RenderProblem } from "./errors.ts";
import { renderProject } from "./render.ts";
import { loadTemplates } from "./templates.ts";

/** The pull request number a preview template is rendered for when it is validated. */
export const EXAMPLE_PULL_REQUEST = 1;

/** Result of validating one environment. */
export interface EnvironmentSummary {
  name: string;
  file: string;
  namespace: string;
  /** Objects the environment renders to. */
  objects: number;
  /** The pull request a preview template was rendered for. */
  pullRequest?: number;
}

/**
 * Validates environments without touching a cluster or a registry: loads and
 * checks each environment file with every service file, checks every
 * template, then renders each environment with placeholder image digests.
 * A preview template is rendered for pull request {@link EXAMPLE_PULL_REQUEST}.
 * `names` defaults to every environment under `clusters/`. Throws one
 * ConfigError with every problem in every file; a service file's problem
 * is listed once, not once per environment.
 */
export async function validateEnvironments(root: string, names?: string[]): Promise<EnvironmentSummary[]> {
  const problems = new ProblemList();
  const environments = names ?? (await listEnvironments(root));
  if (environments.length === 0) {
    throw new ConfigError([
      {
        file: "clusters",
        path: "",
        message: "no environment found; expected clusters/<name>/environment.yaml",
      },
    ]);
  }

  // 1. Every environment file, with every service file.
  const projects: Project[] = [];
  for (const name of environments) {
    try {
      const files = await loadProjectFiles(root, name);
      const preview = files.environment.preview !== undefined;
      projects.push({
        root,
        services: files.services,
        environment: preview
          ? instantiatePreview(files.environment, EXAMPLE_PULL_REQUEST)
          : files.environment,
        ...(preview ? { pullRequest: EXAMPLE_PULL_REQUEST } : {}),
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.add(error.problems);
    }
  }

  // 2. Every template and partial.
  try {
    await loadTemplates(root);
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    problems.add(error.problems.map((problem) => fromRenderProblem(problem)));
  }
  problems.throwIfAny();

  // 3. Render each environment with placeholder digests.
  const summaries: EnvironmentSummary[] = [];
  for (const project of projects) {
    const { environment } = project;
    const images = Object.fromEntries(
      project.services.map((service) => [
        service.name,
        `${environment.images.registry}/${service.name}@sha256:${"0".repeat(64)}`,
      ]),
    );
    try {
      const objects = await renderProject(project, images);
      summaries.push({
        name: environment.name,
        file: environmentFile(environment.name),
        namespace: environment.namespace,
        objects: objects.length,
        ...(project.pullRequest === undefined ? {} : { pullRequest: project.pullRequest }),
      });
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      problems.add(error.problems.map((problem) => fromRenderProblem(problem, environment.name)));
    }
  }
  problems.throwIfAny();
  return summaries;
}

// Problems without repeats, in the order first found.
class ProblemList {
  private readonly problems = new Map<string, ConfigProblem>();

  add(problems: ConfigProblem[]): void {
    for (const problem of problems) {
      this.problems.set(`${problem.file}:${problem.line}:${problem.path}:${problem.message}`, problem);
    }
  }

  throwIfAny(): void {
    if (this.problems.size > 0) throw new ConfigError([...this.problems.values()]);
  }
}

function fromRenderProblem(problem: RenderProblem, environmentName?: string): ConfigProblem {
  const context = [
    environmentName === undefined ? undefined : `environment '${environmentName}'`,
    problem.services === undefined
      ? undefined
      : `service ${problem.services.map((name) => `'${name}'`).join(", ")}`,
  ].filter((part) => part !== undefined);
  const suffix = context.length === 0 ? "" : ` (rendering ${context.join(", ")})`;
  return {
    file: problem.template,
    ...(problem.line === undefined ? {} : { line: problem.line }),
    path: problem.object ?? "",
    message: `${problem.message}${suffix}`,
  };
}
