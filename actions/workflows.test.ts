import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { lintWorkflows } from "../scripts/actionlint.ts";
import {
  checkWorkflow,
  FORK_GUARD,
  RULES,
  type Job as RuleJob,
  type Workflow as RuleWorkflow,
} from "../scripts/workflow-rules.ts";

// The concurrency keys of a job, which the rules module does not read.
interface Job extends RuleJob {
  concurrency?: { group: string; "cancel-in-progress": boolean };
}
interface Workflow extends RuleWorkflow {
  jobs: Record<string, Job>;
}

const folder = join(import.meta.dirname, "..", ".github", "workflows");
const names = (await readdir(folder)).filter((name) => name.endsWith(".yml")).sort();
const workflows = new Map<string, Workflow>();
for (const name of names) workflows.set(name, parse(await readFile(join(folder, name), "utf8")) as Workflow);

const lint = suite("actionlint");

lint("reports nothing for the workflows", async () => {
  const { files, findings } = await lintWorkflows(folder);
  assert.ok(files >= 5);
  assert.equal(
    findings.map((finding) => `${finding.path}:${finding.line} ${finding.message}`),
    [],
  );
});

lint("reports an unknown expression", async () => {
  const scratch = await mkdtemp(join("/tmp", "mooring-actionlint-"));
  try {
    await writeFile(
      join(scratch, "bad.yml"),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JavaScript template.
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nothing_here }}\n",
    );
    const { findings } = await lintWorkflows(scratch);
    assert.is(findings.length, 1);
    assert.match(findings[0]?.message ?? "", "nothing_here");
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});

lint.run();

const security = suite("workflow security");

for (const rule of RULES) {
  security(`every workflow passes rule '${rule}'`, () => {
    const violations = [...workflows].flatMap(([name, workflow]) =>
      checkWorkflow(name, workflow).filter((violation) => violation.rule === rule),
    );
    assert.equal(
      violations.map((violation) => `${violation.workflow} ${violation.job ?? ""}: ${violation.message}`),
      [],
    );
  });
}

security("preview jobs carry the fork guard", () => {
  const preview = workflows.get("preview.yml");
  assert.ok(preview !== undefined);
  for (const [jobName, job] of Object.entries(preview?.jobs ?? {})) {
    assert.is(job.if, FORK_GUARD, `preview.yml: job '${jobName}'`);
  }
  assert.match(workflows.get("preview-cleanup.yml")?.jobs.teardown?.if ?? "", FORK_GUARD);
});

security.run();

const concurrency = suite("workflow concurrency");

concurrency("preview runs one per pull request, newest wins", () => {
  const job = workflows.get("preview.yml")?.jobs.preview;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JavaScript template.
  assert.is(job?.concurrency?.group, "preview-${{ github.event.pull_request.number }}");
  assert.is(job?.concurrency?.["cancel-in-progress"], true);
});

concurrency("production deploys one at a time, never cancelled", () => {
  const job = workflows.get("deploy.yml")?.jobs.production;
  assert.is(job?.concurrency?.group, "deploy-production");
  assert.is(job?.concurrency?.["cancel-in-progress"], false);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JavaScript template.
  assert.equal(job?.environment, { name: "production", url: "${{ steps.deploy.outputs.url }}" });
});

concurrency("scale waits for the environment's deploy group", () => {
  const job = workflows.get("scale.yml")?.jobs.scale;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JavaScript template.
  assert.is(job?.concurrency?.group, "deploy-${{ inputs.environment }}");
  assert.is(job?.concurrency?.["cancel-in-progress"], false);
});

concurrency.run();
