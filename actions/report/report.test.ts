import { suite } from "uvu";
import * as assert from "uvu/assert";
import { COMMENT_MARKER } from "../../lib/github/markdown.ts";
import type { DeployReport } from "../../lib/github/report.ts";
import { type FakeGitHub, startFakeGitHub } from "../../lib/github/testing/fake-github.ts";
import { runAction } from "../../lib/github/testing/run-action.ts";

const report = suite<{ github: FakeGitHub }>("report action");
const event = { pull_request: { number: 12, head: { sha: "fedcba9876543210fedcba9876543210fedcba98" } } };
const failed: DeployReport = {
  environment: "staging",
  namespace: "staging",
  outcome: "failure",
  services: [
    { service: "time", digest: `sha256:${"b".repeat(64)}`, image: "built", readyReplicas: 0, replicas: 2 },
  ],
  error: "pod time-1 is in CrashLoopBackOff",
  url: "https://staging.example.com/",
};

report.before.each(async (context) => {
  context.github = await startFakeGitHub("acme/shop");
});
report.after.each(async (context) => {
  await context.github.close();
});

report("start creates an in-progress deployment and a comment", async ({ github }) => {
  const result = await runAction("report", {
    inputs: { stage: "start", environment: "staging", "github-token": "t0ken" },
    event,
    apiUrl: github.url,
  });
  assert.is(result.exitCode, 0, result.log);
  const [deployment] = github.state.deployments;
  assert.is(result.outputs["deployment-id"], String(deployment?.id));
  assert.is(deployment?.environment, "staging");
  assert.is(deployment?.sha, event.pull_request.head.sha);
  assert.is(deployment?.statuses[0]?.state, "in_progress");
  assert.equal(
    github.state.commitStatuses.map((status) => [status.context, status.state]),
    [["mooring/staging", "pending"]],
  );
  assert.is(github.state.comments.length, 1);
  assert.equal(github.state.rejected, []);
});

report("finish reports a failure everywhere", async ({ github }) => {
  const start = await runAction("report", {
    inputs: { stage: "start", environment: "staging", "github-token": "t0ken" },
    event,
    apiUrl: github.url,
  });
  const result = await runAction("report", {
    inputs: {
      stage: "finish",
      environment: "staging",
      "github-token": "t0ken",
      report: JSON.stringify(failed),
      "deployment-id": start.outputs["deployment-id"] ?? "",
    },
    event,
    apiUrl: github.url,
  });
  assert.is(result.exitCode, 0, result.log);
  const status = github.state.deployments[0]?.statuses[0];
  assert.is(status?.state, "failure");
  assert.is(status?.environment_url, "https://staging.example.com/");
  assert.is(github.state.commitStatuses.at(-1)?.state, "failure");
  assert.is(github.state.comments.length, 1);
  const body = github.state.comments[0]?.body ?? "";
  assert.ok(body.startsWith(COMMENT_MARKER));
  assert.match(body, "CrashLoopBackOff");
  assert.match(body, "https://github.com/acme/shop/actions/runs/4242/attempts/1");
  assert.match(result.summary, "| time | `sha256:bbbbbbbbbbbb…` | built | 0/2 |");
});

report("masks the token in the log", async ({ github }) => {
  const result = await runAction("report", {
    inputs: { stage: "start", environment: "staging", "github-token": "s3cr3t-token" },
    apiUrl: github.url,
  });
  assert.is(result.exitCode, 0, result.log);
  assert.match(result.log, "::add-mask::s3cr3t-token");
});

report("rejects an unknown stage", async ({ github }) => {
  const result = await runAction("report", {
    inputs: { stage: "later", environment: "staging", "github-token": "t0ken" },
    apiUrl: github.url,
  });
  assert.is(result.exitCode, 1);
  assert.match(
    result.log,
    "::error::Invalid input 'stage': 'later'; expected one of start, finish, teardown",
  );
  assert.is(github.state.requests.length, 0);
});

report("fails on an environment that does not exist", async ({ github }) => {
  const result = await runAction("report", {
    inputs: { stage: "start", environment: "nowhere", "github-token": "t0ken" },
    apiUrl: github.url,
  });
  assert.is(result.exitCode, 1);
  assert.match(result.log, "clusters/nowhere/environment.yaml");
});

report.run();
