import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "../config/errors.ts";
import {
  createProject,
  ENVIRONMENT_YAML,
  PREVIEW_YAML,
  REPOSITORY_ROOT,
  serviceYaml,
} from "../testing/fixture.ts";
import { validateEnvironments } from "./validate.ts";

const validateSuite = suite("validateEnvironments");

async function validationError(files: Record<string, string | null>, names?: string[]): Promise<ConfigError> {
  const root = await createProject(files);
  try {
    await validateEnvironments(root, names);
  } catch (error) {
    assert.instance(error, ConfigError);
    return error as ConfigError;
  }
  return assert.unreachable("expected validation to fail") as never;
}

validateSuite("validates every environment of the repository", async () => {
  const summaries = await validateEnvironments(REPOSITORY_ROOT);
  assert.equal(
    summaries.map((summary) => `${summary.name} ${summary.namespace} ${summary.pullRequest ?? "-"}`),
    [
      "local mooring-local -",
      "preview pr-1 1",
      "production mooring-production -",
      "staging mooring-staging -",
    ],
  );
  assert.ok(summaries.every((summary) => summary.objects > 0));
});

validateSuite("validates only the named environment", async () => {
  const root = await createProject({
    "clusters/preview/environment.yaml": PREVIEW_YAML.replace("timeToLiveHours: 48", "timeToLiveHours: 0"),
  });
  const summaries = await validateEnvironments(root, ["local"]);
  assert.equal(summaries, [
    { name: "local", file: "clusters/local/environment.yaml", namespace: "demo", objects: 8 },
  ]);
});

validateSuite("reports problems of all environments together", async () => {
  const error = await validationError({
    "clusters/preview/environment.yaml": PREVIEW_YAML.replace("timeToLiveHours: 48", "timeToLiveHours: 0"),
    "clusters/local/environment.yaml": ENVIRONMENT_YAML.replace("replicas: 2", "replicas: 200"),
    "services/api/service.yaml": serviceYaml("api").replace("port: 8080", "port: 0"),
  });
  assert.is(
    error.message,
    [
      "Invalid configuration (3 problems):",
      "  clusters/local/environment.yaml:12: services.web.replicas: expected an integer from 0 to 100 replicas, got 200",
      "  services/api/service.yaml:2: port: expected an integer from 1 to 65535, got 0",
      "  clusters/preview/environment.yaml:18: preview.timeToLiveHours: expected an integer from 1 to 8760 hours, got 0",
    ].join("\n"),
  );
});

validateSuite("reports template problems with configuration problems", async () => {
  const error = await validationError({
    "clusters/local/environment.yaml": ENVIRONMENT_YAML.replace("namespace: demo", "namespace: -demo"),
    "manifests/service/extra.yaml.hbs": "name: {{service.name}}\n",
  });
  assert.equal(
    error.problems.map((problem) => `${problem.file}:${problem.line}`),
    ["clusters/local/environment.yaml:2", "manifests/service/extra.yaml.hbs:1"],
  );
});

validateSuite("reports render problems per environment", async () => {
  const error = await validationError({
    "clusters/preview/environment.yaml": PREVIEW_YAML,
    "manifests/service/extra.yaml.hbs":
      "{{#if environment.preview}}\nname: {{yaml environment.preview.ttl}}\n{{/if}}\n",
  });
  assert.is(
    error.message,
    [
      "Invalid configuration (1 problem):",
      "  manifests/service/extra.yaml.hbs:2: no value for '{{yaml environment.preview.ttl}}' (rendering environment 'preview', service 'api', 'web')",
    ].join("\n"),
  );
});

validateSuite("rejects a project without environments", async () => {
  const error = await validationError({ "clusters/local/environment.yaml": null });
  assert.is(
    error.message,
    "Invalid configuration (1 problem):\n  clusters: no environment found; expected clusters/<name>/environment.yaml",
  );
});

validateSuite.run();
