import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { runCommand } from "../process.ts";
import { hasUncommittedChanges, readSourceInfo } from "./source.ts";

const readSourceInfoSuite = suite("readSourceInfo");

readSourceInfoSuite("reads GitHub Actions variables", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-source-test-"));
  try {
    const info = await readSourceInfo(
      folder,
      {},
      {
        GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_REPOSITORY: "acme/shop",
        GITHUB_REF: "refs/pull/42/merge",
      },
    );
    assert.equal(info, {
      revision: "0123456789abcdef0123456789abcdef01234567",
      url: "https://github.com/acme/shop",
      pullRequest: 42,
    });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

readSourceInfoSuite("reads a git work tree and its origin", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-source-test-"));
  try {
    const git = (...args: string[]) => runCommand("git", ["-C", folder, ...args]);
    await git("init", "-q");
    await git(
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@example.com",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "one",
    );
    await git(
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@example.com",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "two",
    );
    await git("remote", "add", "origin", "git@github.com:acme/shop.git");
    const head = (await git("rev-parse", "HEAD")).stdout.trim();
    const parent = (await git("rev-parse", "HEAD^")).stdout.trim();
    const info = await readSourceInfo(folder, {}, {});
    assert.is(info.revision, head);
    assert.is(info.parentRevision, parent);
    assert.is(info.url, "https://github.com/acme/shop");
    assert.type(info.created, "string");
    assert.not.ok(Number.isNaN(Date.parse(info.created ?? "")), info.created);
    assert.is(info.pullRequest, undefined);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

const hasUncommittedChangesSuite = suite("hasUncommittedChanges");

hasUncommittedChangesSuite("counts untracked files and every path outside git", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-source-test-"));
  try {
    assert.ok(await hasUncommittedChanges(folder, ["a.ts"]), "outside git");
    await runCommand("git", ["-C", folder, "init", "-q"]);
    await runCommand("sh", ["-c", `echo x > "${folder}/a.ts"`]);
    assert.ok(await hasUncommittedChanges(folder, ["a.ts"]), "untracked");
    assert.not.ok(await hasUncommittedChanges(folder, ["b.ts"]), "another path");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

readSourceInfoSuite.run();
hasUncommittedChangesSuite.run();
