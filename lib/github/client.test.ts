import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createGitHubClient } from "./client.ts";
import { type FakeGitHub, startFakeGitHub } from "./testing/fake-github.ts";

const client = suite<{ github: FakeGitHub }>("createGitHubClient");

client.before.each(async (context) => {
  context.github = await startFakeGitHub("acme/shop");
});
client.after.each(async (context) => {
  await context.github.close();
});

client("retries a request that failed with 502", async ({ github }) => {
  const lines: string[] = [];
  github.failNext(2, 502);
  const octokit = createGitHubClient("test-token", {
    baseUrl: github.url,
    retries: 3,
    retryBaseMilliseconds: 10,
    log: (line) => lines.push(line),
  });
  const response = await octokit.rest.issues.listComments({ owner: "acme", repo: "shop", issue_number: 1 });
  assert.is(response.status, 200);
  assert.is(github.state.requests.length, 3);
});

client("gives up on a request that keeps failing", async ({ github }) => {
  github.failNext(10, 500);
  const octokit = createGitHubClient("test-token", {
    baseUrl: github.url,
    retries: 1,
    retryBaseMilliseconds: 10,
  });
  try {
    await octokit.rest.issues.listComments({ owner: "acme", repo: "shop", issue_number: 1 });
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.is((error as { status?: number }).status, 500);
  }
  assert.is(github.state.requests.length, 2);
});

client("does not retry a 422 from the fake", async ({ github }) => {
  const octokit = createGitHubClient("test-token", { baseUrl: github.url, retries: 3 });
  try {
    await octokit.request("POST /repos/{owner}/{repo}/statuses/{sha}", {
      owner: "acme",
      repo: "shop",
      sha: "abc",
      state: "done" as "success",
    });
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.is((error as { status?: number }).status, 422);
  }
  assert.is(github.state.requests.length, 1);
  assert.match(github.state.rejected[0] ?? "", "'state' is \"done\"");
});

client("waits out a rate limit and retries", async ({ github }) => {
  const lines: string[] = [];
  // GitHub's primary rate limit: 403 with no requests remaining until the reset time.
  const reset = String(Math.floor(Date.now() / 1000));
  github.failNext(1, 403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset });
  const octokit = createGitHubClient("test-token", { baseUrl: github.url, log: (line) => lines.push(line) });
  const response = await octokit.rest.issues.listComments({ owner: "acme", repo: "shop", issue_number: 1 });
  assert.is(response.status, 200);
  assert.is(github.state.requests.length, 2);
  assert.ok(
    lines.some((line) => line.startsWith("GitHub rate limit reached for GET")),
    lines.join("\n"),
  );
});

client.run();
