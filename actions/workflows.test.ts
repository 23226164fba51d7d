import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { lintWorkflows } from "../scripts/actionlint.ts";

interface Step {
  uses?: string;
  run?: string;
}
interface Job {
  if?: string;
  "runs-on"?: string | string[];
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  environment?: string | { name: string };
  steps?: Step[];
}
interface Workflow {
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const folder = join(import.meta.dirname, "..", ".github", "workflows");
const names = (await readdir(folder)).filter((name) => name.endsWith(".yml")).sort();
const workflows = new Map<string, Workflow>();
for (const name of names) workflows.set(name, parse(await readFile(join(folder, name), "utf8")) as Workflow);
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";

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

security("no run block contains github.event text", () => {
  for (const [name, workflow] of workflows) {
    for (const [jobName, job] of Object.entries(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        assert.not.match(step.run ?? "", /\$\{\{\s*github\.event/, `${name}: job '${jobName}'`);
      }
    }
  }
});

security("every workflow sets read-only top-level permissions", () => {
  for (const [name, workflow] of workflows) {
    assert.ok(workflow.permissions !== undefined, `${name} sets no top-level permissions`);
    for (const [scope, level] of Object.entries(workflow.permissions ?? {})) {
      assert.is.not(level, "write", `${name}: top-level '${scope}: write'`);
    }
  }
});

security("third-party actions are pinned by full SHA", () => {
  for (const [name, workflow] of workflows) {
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        if (step.uses === undefined || step.uses.startsWith("./")) continue;
        assert.match(step.uses, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${name}: '${step.uses}'`);
      }
    }
  }
});

security("preview refuses pull requests from forks", () => {
  const preview = workflows.get("preview.yml");
  assert.ok(preview !== undefined);
  for (const [jobName, job] of Object.entries(preview?.jobs ?? {})) {
    assert.is(job.if, FORK_GUARD, `preview.yml: job '${jobName}'`);
  }
  assert.match(workflows.get("preview-cleanup.yml")?.jobs.teardown?.if ?? "", FORK_GUARD);
});

security("self-hosted jobs never run for forks", () => {
  for (const [name, workflow] of workflows) {
    for (const [jobName, job] of Object.entries(workflow.jobs)) {
      const selfHosted = [job["runs-on"]].flat().includes("self-hosted");
      if (!selfHosted || !name.startsWith("preview")) continue;
      assert.ok(job.if !== undefined, `${name}: job '${jobName}' has no condition`);
    }
  }
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
