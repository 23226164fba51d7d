import { homedir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createProject, ENVIRONMENT_YAML, PREVIEW_YAML, serviceYaml } from "../testing/fixture.ts";
import { ConfigError } from "./errors.ts";
import { listEnvironments, loadProject, mergeResources } from "./load.ts";

const loadProjectSuite = suite("loadProject");

async function loadError(
  files: Record<string, string | null>,
  environment = "local",
  options = {},
): Promise<ConfigError> {
  const root = await createProject(files);
  try {
    await loadProject(root, environment, options);
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
  assert.is(project.pullRequest, undefined);
});

loadProjectSuite("fills in defaults", async () => {
  const root = await createProject();
  const { environment, services } = await loadProject(root, "local");
  assert.equal(environment.rollout, {
    timeoutSeconds: 60,
    progressDeadlineSeconds: 120,
    autoRollback: false,
    maxSurge: 1,
    maxUnavailable: 0,
    revisionHistoryLimit: 5,
  });
  assert.equal(environment.shutdown, { preStopSeconds: 5, delaySeconds: 3, drainSeconds: 10 });
  assert.equal(environment.security, { runAsUser: 65532, runAsGroup: 65532 });
  assert.equal(environment.disruptionBudget, { enabled: true, maxUnavailable: 1 });
  assert.equal(environment.networkPolicies, { enabled: true });
  assert.equal(environment.prune, { maxShare: 0.5 });
  assert.equal(environment.lock, { timeoutSeconds: 600 });
  assert.is(environment.partOf, "mooring");
  assert.equal(services[0]?.probes.readiness, { path: "/readyz" });
  assert.equal(services[0]?.env, {});
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
      "Invalid configuration (3 problems):",
      "  clusters/local/environment.yaml:2: namespace: expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, got 'Demo_1'",
      "  clusters/local/environment.yaml:18: services.api.replica: unknown key 'replica'; did you mean 'replicas'?",
      "  services/api/service.yaml:2: port: expected an integer from 1 to 65535, got 'eighty'",
    ].join("\n"),
  );
});

loadProjectSuite("names a missing environment file", async () => {
  const error = await loadError({}, "staging");
  assert.equal(error.problems, [
    { file: "clusters/staging/environment.yaml", path: "", message: "file not found" },
  ]);
});

loadProjectSuite("rejects a service the environment does not place", async () => {
  const error = await loadError({ "services/extra/service.yaml": serviceYaml("extra") });
  assert.equal(error.problems, [
    {
      file: "clusters/local/environment.yaml",
      line: 10,
      path: "services.extra",
      message: "missing; every service needs a replica count or 'autoscaling'",
    },
  ]);
});

loadProjectSuite("rejects a folder name that differs from name", async () => {
  const error = await loadError({ "services/api/service.yaml": serviceYaml("apis") });
  assert.equal(error.problems, [
    {
      file: "services/api/service.yaml",
      line: 1,
      path: "name",
      message: "expected 'api' (the folder's name), got 'apis'",
    },
  ]);
});

loadProjectSuite("rejects an environment named unlike its folder", async () => {
  const error = await loadError({
    "clusters/local/environment.yaml": ENVIRONMENT_YAML.replace("name: local", "name: lokal"),
  });
  assert.is(error.problems[0]?.message, "expected 'local' (the folder's name), got 'lokal'");
});

loadProjectSuite("rejects a dependency on an unknown service", async () => {
  const error = await loadError({
    "services/web/service.yaml": serviceYaml("web", "dependsOn: [api, db]\n"),
  });
  assert.equal(error.problems, [
    {
      file: "services/web/service.yaml",
      line: 10,
      path: "dependsOn[1]",
      message: "no service 'db' in services/",
    },
  ]);
});

loadProjectSuite("reports invalid YAML with its line", async () => {
  const error = await loadError({ "services/api/service.yaml": "name: api\nport: [8080\n" });
  assert.is(error.problems[0]?.file, "services/api/service.yaml");
  assert.ok(error.problems[0]?.message.startsWith("invalid YAML"));
  assert.type(error.problems[0]?.line, "number");
});

loadProjectSuite("fills in a preview for a pull request", async () => {
  const root = await createProject({ "clusters/preview/environment.yaml": PREVIEW_YAML });
  const project = await loadProject(root, "preview", { pullRequest: 42 });
  assert.is(project.pullRequest, 42);
  assert.is(project.environment.namespace, "pr-42");
  assert.equal(project.environment.preview, {
    timeToLiveHours: 48,
    url: "https://pr-42.preview.example.com/",
  });
  assert.equal(project.environment.services.web?.expose, {
    type: "Ingress",
    host: "pr-42.preview.example.com",
    path: "/",
  });
});

loadProjectSuite("asks for the pull request of a preview", async () => {
  const error = await loadError({ "clusters/preview/environment.yaml": PREVIEW_YAML }, "preview");
  assert.is(
    error.message,
    "Invalid configuration (1 problem):\n  clusters/preview/environment.yaml: preview: this environment is a template for pull requests; give the pull request number (--pr N)",
  );
});

loadProjectSuite("rejects a pull request outside a preview", async () => {
  const error = await loadError({}, "local", { pullRequest: 7 });
  assert.is(
    error.problems[0]?.message,
    "a pull request number (7) was given, but this is not a preview environment (it has no 'preview' mapping)",
  );
});

loadProjectSuite("rejects a preview that shares one namespace", async () => {
  const error = await loadError(
    {
      "clusters/preview/environment.yaml": PREVIEW_YAML.replace(
        "namespace: pr-{number}",
        "namespace: previews",
      ),
    },
    "preview",
    { pullRequest: 1 },
  );
  assert.equal(error.problems, [
    {
      file: "clusters/preview/environment.yaml",
      line: 2,
      path: "namespace",
      message: "expected '{number}' in it, so that each pull request gets its own, got 'previews'",
    },
  ]);
});

loadProjectSuite("expands ~ in the kubeconfig path", async () => {
  const environment = ENVIRONMENT_YAML.replace(".mooring/kubeconfig", "~/.kube/demo.yaml");
  const root = await createProject({ "clusters/local/environment.yaml": environment });
  const project = await loadProject(root, "local");
  assert.is(project.environment.cluster.kubeconfig, join(homedir(), ".kube", "demo.yaml"));
});

loadProjectSuite("uses $KUBECONFIG with only a context", async () => {
  const environment = ENVIRONMENT_YAML.replace("  kubeconfig: .mooring/kubeconfig", "  context: demo");
  const root = await createProject({ "clusters/local/environment.yaml": environment });
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = "/etc/first.yaml:/etc/second.yaml";
  try {
    const project = await loadProject(root, "local");
    assert.equal(project.environment.cluster, { kubeconfig: "/etc/first.yaml", context: "demo" });
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
});

const listEnvironmentsSuite = suite("listEnvironments");

listEnvironmentsSuite("lists folders with an environment file", async () => {
  const root = await createProject({
    "clusters/preview/environment.yaml": PREVIEW_YAML,
    "clusters/notes/README.md": "not an environment",
  });
  assert.equal(await listEnvironments(root), ["local", "preview"]);
});

const mergeResourcesSuite = suite("mergeResources");

mergeResourcesSuite("overrides only the given quantities", () => {
  const own = { requests: { cpu: "20m", memory: "48Mi" }, limits: { memory: "128Mi" } };
  assert.equal(mergeResources(own, { limits: { cpu: "1" } }), {
    requests: { cpu: "20m", memory: "48Mi" },
    limits: { memory: "128Mi", cpu: "1" },
  });
  assert.equal(mergeResources(own), own);
});

loadProjectSuite.run();
listEnvironmentsSuite.run();
mergeResourcesSuite.run();
