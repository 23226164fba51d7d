import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, type ConfigProblem } from "./errors.ts";
import { isDnsLabel } from "./fields.ts";
import { instantiatePreview, isPreviewTemplate } from "./preview.ts";
import { checkResources } from "./rules.ts";
import { type Environment, environmentSchema, type ServiceSettings, serviceSchema } from "./schema.ts";
import { formatPath, type LineFinder, loadYamlFile } from "./yaml-file.ts";

/** An environment with the settings of every service it runs. */
export interface Project {
  root: string;
  environment: Environment;
  /** Services sorted by name. */
  services: ServiceSettings[];
  /** The pull request that a preview environment was made for. */
  pullRequest?: number;
}

/** Options for {@link loadProject}. */
export interface LoadOptions {
  /** The pull request to make a preview environment for; required for a preview template and rejected otherwise. */
  pullRequest?: number;
}

/** An environment and services that passed every check, before a preview template is filled in. */
export interface ProjectFiles {
  environment: Environment;
  services: ServiceSettings[];
}

/**
 * Loads `clusters/<environmentName>/environment.yaml` and every
 * `services/<name>/service.yaml`, checks them and checks that they agree.
 * A preview template is filled in for `options.pullRequest`.
 * Throws one ConfigError listing every problem found.
 */
export async function loadProject(
  root: string,
  environmentName: string,
  options: LoadOptions = {},
): Promise<Project> {
  const { environment, services } = await loadProjectFiles(root, environmentName);
  const file = environmentFile(environmentName);
  const { pullRequest } = options;
  if (isPreviewTemplate(environment)) {
    if (pullRequest === undefined) {
      throw new ConfigError([
        {
          file,
          path: "preview",
          message: "this environment is a template for pull requests; give the pull request number (--pr N)",
        },
      ]);
    }
    return { root, environment: instantiatePreview(environment, pullRequest), services, pullRequest };
  }
  if (pullRequest !== undefined) {
    throw new ConfigError([
      {
        file,
        path: "",
        message: `a pull request number (${pullRequest}) was given, but this is not a preview environment (it has no 'preview' mapping)`,
      },
    ]);
  }
  return { root, environment, services };
}

/**
 * Loads and checks an environment file and every service file, as
 * {@link loadProject} does, but leaves a preview template as it is.
 */
export async function loadProjectFiles(root: string, environmentName: string): Promise<ProjectFiles> {
  checkEnvironmentName(environmentName);
  const problems: ConfigProblem[] = [];
  const file = environmentFile(environmentName);

  // 1. The environment file.
  const environment = await loadYamlFile(join(root, file), environmentSchema, root);
  if (!environment.ok) problems.push(...environment.problems);
  else if (environment.value.name !== environmentName) {
    problems.push({
      file,
      line: environment.lineOf(["name"]),
      path: "name",
      message: `expected '${environmentName}' (the folder's name), got '${environment.value.name}'`,
    });
  }

  // 2. Every service's own settings.
  const services: { settings: ServiceSettings; lineOf: LineFinder }[] = [];
  for (const name of await listServiceFolders(root)) {
    const serviceFile = join("services", name, "service.yaml");
    const settings = await loadYamlFile(join(root, serviceFile), serviceSchema, root);
    if (!settings.ok) {
      problems.push(...settings.problems);
    } else if (settings.value.name !== name) {
      problems.push({
        file: serviceFile,
        line: settings.lineOf(["name"]),
        path: "name",
        message: `expected '${name}' (the folder's name), got '${settings.value.name}'`,
      });
    } else {
      services.push({ settings: settings.value, lineOf: settings.lineOf });
    }
  }

  // 3. Cross-file agreement, once each file is valid on its own.
  if (environment.ok && problems.length === 0) {
    problems.push(...crossCheck({ ...environment, file }, services));
  }
  if (problems.length > 0 || !environment.ok) {
    throw new ConfigError(problems);
  }
  return { environment: environment.value, services: services.map((service) => service.settings) };
}

/** Lists the folders under `services/` that hold a `service.yaml`, sorted. */
export async function listServiceFolders(root: string): Promise<string[]> {
  const entries = await readdir(join(root, "services"), { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(join(root, "services", entry.name));
    if (files.includes("service.yaml")) names.push(entry.name);
  }
  return names.sort();
}

/** Lists the environments: the folders under `clusters/` that hold an `environment.yaml`, sorted. */
export async function listEnvironments(root: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(root, "clusters"), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(join(root, "clusters", entry.name));
    if (files.includes("environment.yaml")) names.push(entry.name);
  }
  return names.sort();
}

/**
 * Checks an environment's name as the command line or an action input gives
 * it: it names a folder under `clusters/`, so it must be a DNS-1123 label,
 * which also keeps it from reaching outside that folder (`../..`). Throws a
 * ConfigError otherwise.
 */
export function checkEnvironmentName(environmentName: string): void {
  if (isDnsLabel(environmentName)) return;
  throw new ConfigError([
    {
      file: "clusters",
      path: "",
      message: `invalid environment name '${environmentName}'; expected the name of a folder under clusters/, a DNS-1123 label such as 'staging'`,
    },
  ]);
}

/** Returns the path of an environment's file, relative to the project root. */
export function environmentFile(environmentName: string): string {
  return join("clusters", environmentName, "environment.yaml");
}

function crossCheck(
  environment: { value: Environment; lineOf: LineFinder; file: string },
  services: { settings: ServiceSettings; lineOf: LineFinder }[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { file, lineOf } = environment;
  const report = (path: PropertyKey[], message: string) =>
    problems.push({ file, line: lineOf(path), path: formatPath(path), message });
  const known = new Set(services.map((service) => service.settings.name));

  // 1. Every placed service exists.
  for (const name of Object.keys(environment.value.services)) {
    if (!known.has(name)) {
      const expected = [...known].map((service) => `'${service}'`).join(", ");
      report(["services", name], `no service '${name}' in services/; expected one of ${expected}`);
    }
  }

  // 2. Every service is placed, and exposed exactly when it is public.
  for (const { settings: service, lineOf: serviceLineOf } of services) {
    const serviceFile = join("services", service.name, "service.yaml");
    const placement = environment.value.services[service.name];
    if (placement === undefined) {
      report(["services", service.name], "missing; every service needs a replica count or 'autoscaling'");
      continue;
    }
    if (service.visibility === "public" && placement.expose === undefined) {
      report(["services", service.name, "expose"], "missing; a public service needs 'expose'");
    }
    if (service.visibility === "internal" && placement.expose !== undefined) {
      report(
        ["services", service.name, "expose"],
        `'${service.name}' is internal (visibility in ${serviceFile}); only a public service can be exposed`,
      );
    }

    // 3. Limits stay at or above requests once the environment's overrides apply.
    const merged = mergeResources(service.resources, placement.resources);
    if (placement.resources !== undefined) {
      checkResources(merged, ["services", service.name, "resources"], (path, message) =>
        report(path, `${message} (after merging ${serviceFile})`),
      );
    }

    // 4. Dependencies exist.
    service.dependsOn.forEach((dependency, index) => {
      if (!known.has(dependency)) {
        problems.push({
          file: serviceFile,
          line: serviceLineOf(["dependsOn", index]),
          path: formatPath(["dependsOn", index]),
          message: `no service '${dependency}' in services/`,
        });
      }
    });
  }
  return problems;
}

/** Merges an environment's resource overrides over a service's own requests and limits. */
export function mergeResources(
  own: ServiceSettings["resources"],
  overrides: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  } = {},
): ServiceSettings["resources"] {
  return {
    requests: { ...own.requests, ...withoutUndefined(overrides.requests) },
    limits: { ...own.limits, ...withoutUndefined(overrides.limits) },
  };
}

function withoutUndefined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(value ?? {}).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
