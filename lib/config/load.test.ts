import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createProject, ENVIRONMENT_YAML, serviceYaml } from "../testing/fixture.ts";
import { ConfigError } from "./errors.ts";
import { loadProject } from "./load.ts";

const loadProjectSuite = suite("loadProject");

async function loadError(files: Record<string, string>): Promise<ConfigError> {
  const root = await createProject(files);
  try {
    await loadProject(root, "local");
  } catch (error) {
    assert.instance(error, ConfigError);
    return error as ConfigError;
  }
  return assert.unreachable("expected loadProject to throw") as never;
}

loadProjectSuite("loads a valid project", async () => {
  const root = await createProject();
  const project = await loadProject(root, "local");
  assert.is(project.environment.namespace, "demo");
  assert.equal(
    project.services.map((service) => service.name),
    ["api", "web"],
  );
  assert.equal(project.services[1]?.dependsOn, ["api"]);
});

loadProjectSuite("reports every problem with file and line", async () => {
  const environment = ENVIRONMENT_YAML.replace("namespace: demo", "namespace: Demo_1").replace(
    "  api:\n    replicas: 1",
    "  api:\n    replica: 1",
  );
  const error = await loadError({
    "clusters/local/environment.yaml": environment,
    "services/api/service.yaml": serviceYaml("api").replace("port: 8080", "port: eighty"),
  });
  assert.is(
    error.message,
    [
      "Invalid configuration (4 problems):",
      "  clusters/local/environment.yaml:2: namespace: expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters",
      "  clusters/local/environment.yaml:18: services.api.replicas: missing; expected a number",
      "  clusters/local/environment.yaml:18: services.api: unknown key 'replica'",
      '  services/api/service.yaml:2: port: expected a number, got "eighty"',
    ].join("\n"),
  );
});

loadProjectSuite("names a missing environment file", async () => {
  const root = await createProject();
  try {
    await loadProject(root, "staging");
    assert.unreachable("expected an error");
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.is((error as ConfigError).problems[0]?.file, "clusters/staging/environment.yaml");
    assert.is((error as ConfigError).problems[0]?.message, "file not found");
  }
});

loadProjectSuite("rejects a service the environment does not place", async () => {
  const error = await loadError({ "services/extra/service.yaml": serviceYaml("extra") });
  assert.equal(error.problems, [
    {
      file: "clusters/local/environment.yaml",
      path: "services.extra",
      message: "missing: every service needs a replica count",
    },
  ]);
});

loadProjectSuite("rejects a folder name that differs from name", async () => {
  const error = await loadError({ "services/api/service.yaml": serviceYaml("apis") });
  assert.is(error.problems[0]?.message, "expected 'api' (the folder's name), got 'apis'");
});

loadProjectSuite("reports invalid YAML with its line", async () => {
  const error = await loadError({ "services/api/service.yaml": "name: api\nport: [8080\n" });
  assert.is(error.problems[0]?.file, "services/api/service.yaml");
  assert.ok(error.problems[0]?.message.startsWith("invalid YAML"));
  assert.type(error.problems[0]?.line, "number");
});

loadProjectSuite.run();
