import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, type ConfigProblem } from "./errors.ts";
import { type Environment, environmentSchema, type ServiceSettings, serviceSchema } from "./schema.ts";
import { loadYamlFile } from "./yaml-file.ts";

/** An environment with the settings of every service it runs. */
export interface Project {
  root: string;
  environment: Environment;
  /** Services sorted by name. */
  services: ServiceSettings[];
}

/**
 * Loads `clusters/<environmentName>/environment.yaml` and every
 * `services/<name>/service.yaml`, checks them and checks that they agree.
 * Throws one ConfigError listing every problem found.
 */
export async function loadProject(root: string, environmentName: string): Promise<Project> {
  const problems: ConfigProblem[] = [];

  // 1. The environment file.
  const environmentPath = join(root, "clusters", environmentName, "environment.yaml");
  const environment = await loadYamlFile(environmentPath, environmentSchema, root);
  if (!environment.ok) problems.push(...environment.problems);

  // 2. Every service's own settings.
  const services: ServiceSettings[] = [];
  for (const name of await listServiceFolders(root)) {
    const file = join("services", name, "service.yaml");
    const settings = await loadYamlFile(join(root, file), serviceSchema, root);
    if (!settings.ok) {
      problems.push(...settings.problems);
    } else if (settings.value.name !== name) {
      problems.push({
        file,
        path: "name",
        message: `expected '${name}' (the folder's name), got '${settings.value.name}'`,
      });
    } else {
      services.push(settings.value);
    }
  }

  // 3. Cross-file agreement, once each file is valid on its own.
  if (environment.ok && problems.length === 0) {
    problems.push(
      ...crossCheck(environment.value, services, join("clusters", environmentName, "environment.yaml")),
    );
  }
  if (problems.length > 0 || !environment.ok) {
    throw new ConfigError(problems);
  }
  return { root, environment: environment.value, services };
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

function crossCheck(environment: Environment, services: ServiceSettings[], file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const known = new Set(services.map((service) => service.name));
  for (const name of Object.keys(environment.services)) {
    if (!known.has(name)) {
      const expected = [...known].join("', '");
      problems.push({
        file,
        path: `services.${name}`,
        message: `no service '${name}' in services/; expected one of '${expected}'`,
      });
    }
  }
  for (const service of services) {
    const placement = environment.services[service.name];
    if (placement === undefined) {
      problems.push({
        file,
        path: `services.${service.name}`,
        message: `missing: every service needs a replica count`,
      });
    } else if (service.visibility === "public" && placement.expose === undefined) {
      problems.push({
        file,
        path: `services.${service.name}.expose`,
        message: "missing: a public service needs 'expose'",
      });
    }
    for (const dependency of service.dependsOn) {
      if (!known.has(dependency)) {
        const serviceFile = join("services", service.name, "service.yaml");
        problems.push({
          file: serviceFile,
          path: "dependsOn",
          message: `no service '${dependency}' in services/`,
        });
      }
    }
  }
  return problems;
}
