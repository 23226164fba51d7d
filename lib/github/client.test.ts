import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createGitHubClient, describeGitHubError, isGitHubApiError } from "./client.ts";
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

client("retries an attempt that gets no response in time", async ({ github }) => {
  const lines: string[] = [];
  github.hangNext(1);
  const octokit = createGitHubClient("test-token", {
    baseUrl: github.url,
    timeoutMilliseconds: 200,
    retryBaseMilliseconds: 10,
    log: (line) => lines.push(line),
  });
  const response = await octokit.rest.issues.listComments({ owner: "acme", repo: "shop", issue_number: 1 });
  assert.is(response.status, 200);
  assert.is(github.state.requests.length, 2);
  assert.equal(lines, ["GitHub request GET /repos/acme/shop/issues/1/comments timed out after 200 ms"]);
});

client("fails a request that never gets a response", async ({ github }) => {
  github.hangNext(10);
  const octokit = createGitHubClient("test-token", {
    baseUrl: github.url,
    retries: 1,
    timeoutMilliseconds: 100,
    retryBaseMilliseconds: 10,
  });
  const error = await octokit.rest.issues
    .listComments({ owner: "acme", repo: "shop", issue_number: 1 })
    .catch((caught: unknown) => caught);
  assert.ok(isGitHubApiError(error), String(error));
  assert.is(
    describeGitHubError(error),
    "GET /repos/acme/shop/issues/1/comments failed: timed out after 100 ms without a response",
  );
  assert.is(github.state.requests.length, 2);
});

client("takes the timeout from MOORING_GITHUB_TIMEOUT_MS", async ({ github }) => {
  github.hangNext(1);
  process.env.MOORING_GITHUB_TIMEOUT_MS = "150";
  try {
    const octokit = createGitHubClient("test-token", { baseUrl: github.url, retries: 0 });
    const error = await octokit.rest.issues
      .listComments({ owner: "acme", repo: "shop", issue_number: 1 })
      .catch((caught: unknown) => caught);
    assert.match(String(error), "timed out after 150 ms without a response");
  } finally {
    delete process.env.MOORING_GITHUB_TIMEOUT_MS;
  }
});

client("rejects an invalid MOORING_GITHUB_TIMEOUT_MS", () => {
  process.env.MOORING_GITHUB_TIMEOUT_MS = "-5";
  try {
    assert.throws(
      () => createGitHubClient("test-token"),
      (error: Error) =>
        error.message ===
        "Invalid MOORING_GITHUB_TIMEOUT_MS '-5'; expected a whole number of milliseconds such as 30000",
    );
  } finally {
    delete process.env.MOORING_GITHUB_TIMEOUT_MS;
  }
});

client("does not wait out a rate limit that resets much later", async ({ github }) => {
  const lines: string[] = [];
  const reset = Math.floor(Date.now() / 1000) + 3600;
  github.failNext(
    1,
    403,
    { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
    "API rate limit exceeded for installation ID 1.",
  );
  const octokit = createGitHubClient("test-token", { baseUrl: github.url, log: (line) => lines.push(line) });
  const started = Date.now();
  const error = await octokit.rest.issues
    .listComments({ owner: "acme", repo: "shop", issue_number: 1 })
    .catch((caught: unknown) => caught);
  assert.ok(Date.now() - started < 5000, "the client waited for the reset");
  assert.ok(isGitHubApiError(error), String(error));
  assert.is(
    describeGitHubError(error),
    `GET /repos/acme/shop/issues/1/comments returned 403: API rate limit exceeded for installation ID 1. (rate limit exhausted until ${new Date(reset * 1000).toISOString()})`,
  );
  assert.is(github.state.requests.length, 1);
  assert.match(lines.join("\n"), /later than the 120 s the client waits$/);
});

client.run();
