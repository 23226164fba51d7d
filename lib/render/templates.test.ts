import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { createProject } from "../testing/fixture.ts";
import { RenderError } from "./errors.ts";
import { checkSource, loadTemplates, toYamlScalar } from "./templates.ts";

const toYamlScalarSuite = suite("toYamlScalar");

toYamlScalarSuite("keeps hostile strings one scalar", () => {
  for (const value of [
    "a: b",
    "x\nkind: Secret",
    "{{evil}}",
    "- item",
    "# comment",
    "'quoted'",
    "\u007f\u0085\u2028\ufeff",
  ]) {
    assert.equal(parse(`key: ${toYamlScalar(value)}\n`), { key: value });
  }
});

toYamlScalarSuite("writes mappings and lists as flow YAML", () => {
  assert.equal(parse(`key: ${toYamlScalar({ a: [1, "two"], "b: c": true })}\n`), {
    key: { a: [1, "two"], "b: c": true },
  });
});

const checkSourceSuite = suite("checkSource");

checkSourceSuite("accepts helpers, blocks, partials and comments", () => {
  const source = "{{!-- note --}}\n{{> metadata metadata}}\n{{#if x}}\nname: {{yaml x}}\n{{/if}}\n";
  assert.equal(checkSource(source, "t.hbs"), []);
});

checkSourceSuite("reports each value written without yaml", () => {
  assert.equal(checkSource("a: {{x}}\n{{#each xs}}\nb: {{{this}}}\n{{/each}}\n", "t.hbs"), [
    {
      template: "t.hbs",
      line: 1,
      message:
        "'{{x}}' writes a value without the 'yaml' helper; write '{{yaml …}}' so that the value is quoted",
    },
    {
      template: "t.hbs",
      line: 3,
      message:
        "'{{{this}}}' writes a value without the 'yaml' helper; write '{{yaml …}}' so that the value is quoted",
    },
  ]);
});

checkSourceSuite("reports invalid Handlebars with its line", () => {
  const problems = checkSource("a: 1\nb: {{#if x}}\n", "t.hbs");
  assert.is(problems.length, 1);
  assert.is(problems[0]?.template, "t.hbs");
  assert.ok(problems[0]?.message.startsWith("invalid Handlebars: "), problems[0]?.message);
});

const loadTemplatesSuite = suite("loadTemplates");

async function renderWith(files: Record<string, string>, context: Record<string, unknown>): Promise<string> {
  const root = await createProject(files);
  const templates = await loadTemplates(root);
  const template = templates.service.get("manifests/service/test.yaml.hbs");
  assert.ok(template, "no test template");
  return (template as (context: Record<string, unknown>) => string)(context);
}

async function renderFailure(
  files: Record<string, string>,
  context: Record<string, unknown>,
): Promise<string> {
  try {
    await renderWith(files, context);
  } catch (error) {
    assert.instance(error, RenderError);
    return (error as Error).message;
  }
  return assert.unreachable("expected the template to fail") as never;
}

loadTemplatesSuite("groups templates by folder", async () => {
  const templates = await loadTemplates(await createProject());
  assert.equal([...templates.environment.keys()], ["manifests/environment/namespace.yaml.hbs"]);
  assert.equal(
    [...templates.service.keys()],
    [
      "manifests/service/deployment.yaml.hbs",
      "manifests/service/horizontalpodautoscaler.yaml.hbs",
      "manifests/service/ingress.yaml.hbs",
      "manifests/service/networkpolicy.yaml.hbs",
      "manifests/service/poddisruptionbudget.yaml.hbs",
      "manifests/service/service.yaml.hbs",
    ],
  );
});

loadTemplatesSuite("indents a partial where it is used", async () => {
  const text = await renderWith(
    { "manifests/service/test.yaml.hbs": "outer:\n  {{> metadata metadata}}\n" },
    { metadata: { name: "a", namespace: null, labels: { x: "y" }, annotations: null } },
  );
  assert.is(text, 'outer:\n  metadata:\n    name: "a"\n    labels: {"x":"y"}\n');
});

loadTemplatesSuite("treats null as absent in blocks", async () => {
  const text = await renderWith(
    {
      "manifests/service/test.yaml.hbs": "{{#if port}}\nport: {{yaml port}}\n{{else}}\nport: none\n{{/if}}\n",
    },
    { port: null },
  );
  assert.is(text, "port: none\n");
});

loadTemplatesSuite("rejects undefined in a block helper", async () => {
  const message = await renderFailure(
    { "manifests/service/test.yaml.hbs": "a: 1\n{{#each portz}}\n- 1\n{{/each}}\n" },
    { ports: [] },
  );
  assert.is(
    message,
    "Rendering failed (1 problem):\n  manifests/service/test.yaml.hbs:2: no value for '{{#each portz}}'",
  );
});

loadTemplatesSuite("rejects null written through yaml", async () => {
  const message = await renderFailure(
    { "manifests/service/test.yaml.hbs": "port: {{yaml port}}\n" },
    { port: null },
  );
  assert.is(
    message,
    "Rendering failed (1 problem):\n  manifests/service/test.yaml.hbs:1: no value for '{{yaml port}}'",
  );
});

loadTemplatesSuite("names the partial of a missing value", async () => {
  const message = await renderFailure(
    {
      "manifests/partials/label.hbs": "label: {{yaml lable}}\n",
      "manifests/service/test.yaml.hbs": "{{> label}}\n",
    },
    { label: "x" },
  );
  assert.is(
    message,
    "Rendering failed (1 problem):\n  manifests/partials/label.hbs:1: no value for '{{yaml lable}}'",
  );
});

loadTemplatesSuite("names an unknown partial", async () => {
  const message = await renderFailure({ "manifests/service/test.yaml.hbs": "{{> labels}}\n" }, {});
  assert.is(
    message,
    "Rendering failed (1 problem):\n  manifests/service/test.yaml.hbs: failed: The partial labels could not be found",
  );
});

loadTemplatesSuite("reports every unsafe file at once", async () => {
  const root = await createProject({
    "manifests/partials/bad.hbs": "x: {{x}}\n",
    "manifests/service/test.yaml.hbs": "y: {{y}}\n",
  });
  try {
    await loadTemplates(root);
    assert.unreachable("expected loadTemplates to throw");
  } catch (error) {
    assert.instance(error, RenderError);
    assert.equal(
      (error as RenderError).problems.map((problem) => `${problem.template}:${problem.line}`),
      ["manifests/partials/bad.hbs:1", "manifests/service/test.yaml.hbs:1"],
    );
  }
});

toYamlScalarSuite.run();
checkSourceSuite.run();
loadTemplatesSuite.run();
