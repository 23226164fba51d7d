import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { DeployReport } from "../../lib/github/report.ts";
import { type FakeGitHub, startFakeGitHub } from "../../lib/github/testing/fake-github.ts";
import { type ActionResult, runAction } from "../../lib/github/testing/run-action.ts";

// The report action against a GitHub that fails. It retries, and when GitHub
// keeps failing, it warns, puts the report in the job summary and exits 0.
// So a deploy that succeeded never ends in a failed job because of GitHub.
const faults = suite<{ github: FakeGitHub }>("report action with GitHub faults");

const sha = "fedcba9876543210fedcba9876543210fedcba98";
const event = { pull_request: { number: 12, head: { sha } } };
const succeeded: DeployReport = {
  environment: "staging",
  namespace: "mooring-staging",
  outcome: "success",
  services: [
    { service: "time", digest: `sha256:${"c".repeat(64)}`, image: "reused", readyReplicas: 2, replicas: 2 },
  ],
  plan: { create: 0, update: 1, unchanged: 11, prune: 0 },
  url: "https://staging.mooring.example.com/",
};
// Short waits, so that a test of a GitHub that keeps failing takes milliseconds per retry, not seconds.
const FAST_RETRIES = { MOORING_GITHUB_RETRY_BASE_MS: "10", MOORING_GITHUB_TIMEOUT_MS: "300" };

faults.before.each(async (context) => {
  context.github = await startFakeGitHub("acme/shop");
});
faults.after.each(async (context) => {
  await context.github.close();
});

// A client without a timeout would wait forever for the fake that hangs, so each run is killed after 60 s.
function finish(github: FakeGitHub, report: DeployReport, env: Record<string, string> = {}) {
  return runAction("report", {
    inputs: {
      stage: "finish",
      environment: "staging",
      "github-token": "t0ken",
      report: JSON.stringify(report),
    },
    event,
    apiUrl: github.url,
    env,
    timeoutSeconds: 60,
  });
}

function warnings(result: ActionResult): string[] {
  return result.log.split("\n").filter((line) => line.startsWith("::warning::"));
}

faults("retries a 502 with the default backoff", async ({ github }) => {
  // The client's real policy: 3 retries, waiting 1 s and then 4 s before the two retries needed here.
  github.failNext(2, 502);
  const result = await finish(github, succeeded);
  assert.is(result.exitCode, 0, result.log);
  const statusRequest = `POST /repos/acme/shop/statuses/${sha}`;
  assert.equal(github.state.requests.slice(0, 3), [statusRequest, statusRequest, statusRequest]);
  assert.equal(warnings(result), [
    `::warning::GitHub returned 502 for ${statusRequest}`,
    `::warning::GitHub returned 502 for ${statusRequest}`,
  ]);
  assert.equal(
    github.state.commitStatuses.map((status) => [status.context, status.state]),
    [["mooring/staging", "success"]],
  );
  assert.is(github.state.comments.length, 1);
  assert.match(github.state.comments[0]?.body ?? "", "### ✅ Deployed: staging (mooring-staging)");
  assert.not.match(result.summary, "GitHub was not updated");
});

faults("reports a success in the summary when GitHub keeps returning 502", async ({ github }) => {
  github.failNext(1000, 502);
  const result = await finish(github, succeeded, FAST_RETRIES);
  assert.is(result.exitCode, 0, result.log);
  const reason = `POST /repos/acme/shop/statuses/${sha} returned 502: injected failure`;
  assert.is(
    warnings(result).at(-1),
    `::warning::Report the deploy failed on GitHub (${reason}); the job summary has the report`,
  );
  assert.is(github.state.requests.length, 4, "one request and 3 retries");
  assert.match(result.summary, "### ✅ Deployed: staging (mooring-staging)");
  assert.match(result.summary, "| time | `sha256:cccccccccccc…` | reused | 2/2 |");
  assert.match(result.summary, `> **Warning:** GitHub was not updated: ${reason}`);
  assert.equal(github.state.comments, []);
});

faults("reports a failure in the summary when GitHub keeps returning 502", async ({ github }) => {
  github.failNext(1000, 502);
  const failed: DeployReport = {
    ...succeeded,
    outcome: "failure",
    error: "pod time-1 is in CrashLoopBackOff",
  };
  const result = await finish(github, failed, FAST_RETRIES);
  assert.is(result.exitCode, 0, result.log);
  assert.match(result.summary, "### ❌ Deploy failed: staging (mooring-staging)");
  assert.match(result.summary, "pod time-1 is in CrashLoopBackOff");
  assert.match(result.summary, "GitHub was not updated");
});

faults("does not wait out a rate limit that resets in an hour", async ({ github }) => {
  const reset = Math.floor(Date.now() / 1000) + 3600;
  github.failNext(
    1000,
    403,
    { "x-ratelimit-limit": "1000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
    "API rate limit exceeded for installation ID 1.",
  );
  const result = await finish(github, succeeded);
  assert.is(result.exitCode, 0, result.log);
  assert.is(github.state.requests.length, 1);
  const until = new Date(reset * 1000).toISOString();
  assert.match(
    warnings(result).at(-1) ?? "",
    `returned 403: API rate limit exceeded for installation ID 1. (rate limit exhausted until ${until}));`,
  );
  assert.match(result.summary, "### ✅ Deployed: staging (mooring-staging)");
  assert.match(result.summary, `GitHub was not updated: POST /repos/acme/shop/statuses/${sha} returned 403`);
});

faults("gives up on a GitHub that never responds", async ({ github }) => {
  github.hangNext(1000);
  const result = await finish(github, succeeded, FAST_RETRIES);
  assert.is(result.exitCode, 0, result.log);
  assert.is(github.state.requests.length, 4, "one request and 3 retries");
  const reason = `POST /repos/acme/shop/statuses/${sha} failed: timed out after 300 ms without a response`;
  assert.is(
    warnings(result).at(-1),
    `::warning::Report the deploy failed on GitHub (${reason}); the job summary has the report`,
  );
  assert.match(result.summary, "### ✅ Deployed: staging (mooring-staging)");
  assert.match(result.summary, `GitHub was not updated: ${reason}`);
});

faults("start lets the deploy go on when GitHub fails", async ({ github }) => {
  github.failNext(1000, 503);
  const start = await runAction("report", {
    inputs: { stage: "start", environment: "staging", "github-token": "t0ken" },
    event,
    apiUrl: github.url,
    env: FAST_RETRIES,
  });
  assert.is(start.exitCode, 0, start.log);
  assert.is(start.outputs["deployment-id"], undefined);
  assert.match(start.summary, "Deploy of staging started.");
  assert.match(start.summary, "GitHub was not updated: POST /repos/acme/shop/deployments returned 503");

  // GitHub is back for the finish stage, which the workflow runs without a deployment id.
  github.failNext(0, 503);
  const result = await finish(github, succeeded);
  assert.is(result.exitCode, 0, result.log);
  assert.equal(github.state.deployments, []);
  assert.is(github.state.commitStatuses.at(-1)?.state, "success");
  assert.is(github.state.comments.length, 1);
});

faults("still fails on an invalid input while GitHub is down", async ({ github }) => {
  github.failNext(1000, 502);
  const result = await runAction("report", {
    inputs: { stage: "finish", environment: "staging", "github-token": "t0ken", report: "{" },
    event,
    apiUrl: github.url,
    env: FAST_RETRIES,
  });
  assert.is(result.exitCode, 1);
  assert.match(result.log, "::error::Invalid");
  assert.is(github.state.requests.length, 0);
});

faults.run();
