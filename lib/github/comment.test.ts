import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createGitHubClient } from "./client.ts";
import { findStickyComments, upsertStickyComment } from "./comment.ts";
import { COMMENT_MARKER } from "./markdown.ts";
import { type FakeGitHub, startFakeGitHub } from "./testing/fake-github.ts";

const upsert = suite<{ github: FakeGitHub }>("upsertStickyComment");
const target = {
  owner: "acme",
  repo: "shop",
  issueNumber: 7,
  marker: COMMENT_MARKER,
  author: "github-actions[bot]",
};

upsert.before.each(async (context) => {
  context.github = await startFakeGitHub("acme/shop");
});
upsert.after.each(async (context) => {
  await context.github.close();
});

function client(github: FakeGitHub) {
  return createGitHubClient("test-token", { baseUrl: github.url, retries: 0, throttle: false });
}

upsert("creates the comment on the first run", async ({ github }) => {
  const result = await upsertStickyComment(client(github), target, `${COMMENT_MARKER}\nfirst`);
  assert.is(result.action, "created");
  assert.is(github.state.comments.length, 1);
  assert.is(github.state.comments[0]?.body, `${COMMENT_MARKER}\nfirst`);
});

upsert("updates the same comment on later runs", async ({ github }) => {
  const first = await upsertStickyComment(client(github), target, `${COMMENT_MARKER}\nfirst`);
  const second = await upsertStickyComment(client(github), target, `${COMMENT_MARKER}\nsecond`);
  assert.is(second.action, "updated");
  assert.is(second.id, first.id);
  assert.is(github.state.comments.length, 1);
  assert.ok(github.state.comments[0]?.body.endsWith("second"));
});

upsert("never edits a marked comment by someone else", async ({ github }) => {
  github.state.comments.push({
    id: 1,
    issueNumber: 7,
    body: `${COMMENT_MARKER}\nwritten by a person`,
    user: { login: "mallory" },
    created_at: "",
    updated_at: "",
  });
  await upsertStickyComment(client(github), target, `${COMMENT_MARKER}\nours`);
  assert.is(
    github.state.comments.find((comment) => comment.id === 1)?.body,
    `${COMMENT_MARKER}\nwritten by a person`,
  );
  assert.is(github.state.comments.length, 2);
});

upsert("leaves one comment after concurrent runs", async ({ github }) => {
  await Promise.all([
    upsertStickyComment(client(github), target, `${COMMENT_MARKER}\nrun a`),
    upsertStickyComment(client(github), target, `${COMMENT_MARKER}\nrun b`),
  ]);
  const ours = await findStickyComments(client(github), target);
  assert.is(ours.length, 1);
});

upsert("rejects a body without the marker", async ({ github }) => {
  try {
    await upsertStickyComment(client(github), target, "no marker");
    assert.unreachable("should have thrown");
  } catch (error) {
    assert.match((error as Error).message, "does not contain the marker");
  }
});

upsert.run();
