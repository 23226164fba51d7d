import { loadProject, loadProjectFiles } from "../config/load.ts";

/**
 * Returns the GitHub environment that reports of a Mooring environment go
 * to: the namespace of a preview (such as `pr-42`), else the environment's
 * name. A pull request number is ignored for an environment that is not a
 * preview template, since a pull request may also report on staging.
 * Reading the project checks that the environment exists and is valid.
 */
export async function githubEnvironmentName(
  root: string,
  environment: string,
  pullRequest?: number,
): Promise<string> {
  const { environment: settings } = await loadProjectFiles(root, environment);
  if (settings.preview === undefined) return settings.name;
  if (pullRequest === undefined) {
    throw new Error(
      `Environment '${environment}' is a preview template; set the 'pull-request' input or run on a pull_request event`,
    );
  }
  const project = await loadProject(root, environment, { pullRequest });
  return project.environment.namespace;
}
