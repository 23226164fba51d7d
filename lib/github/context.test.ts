import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readRunContext } from "./context.ts";

const context = suite("readRunContext");

context("reads a pull request event", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-context-"));
  try {
    const path = join(folder, "event.json");
    await writeFile(path, JSON.stringify({ pull_request: { number: 5, head: { sha: "abc123" } } }));
    const run = readRunContext({
      GITHUB_REPOSITORY: "acme/shop",
      GITHUB_SHA: "merge-commit",
      GITHUB_EVENT_PATH: path,
      GITHUB_SERVER_URL: "https://github.example.com",
      GITHUB_RUN_ID: "77",
    });
    assert.is(run.owner, "acme");
    assert.is(run.repo, "shop");
    assert.is(run.pullRequest, 5);
    assert.is(run.sha, "abc123");
    assert.is(run.runUrl, "https://github.example.com/acme/shop/actions/runs/77");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

context("uses GITHUB_SHA outside a pull request", () => {
  const run = readRunContext({ GITHUB_REPOSITORY: "acme/shop", GITHUB_SHA: "def456" });
  assert.is(run.sha, "def456");
  assert.is(run.pullRequest, undefined);
  assert.is(run.runUrl, undefined);
});

context("rejects a malformed GITHUB_REPOSITORY", () => {
  assert.throws(() => readRunContext({ GITHUB_REPOSITORY: "shop" }), /Invalid GITHUB_REPOSITORY 'shop'/);
});

context.run();
