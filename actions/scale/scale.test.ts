import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { type FakeGitHub, startFakeGitHub } from "../../lib/github/testing/fake-github.ts";
import { runAction } from "../../lib/github/testing/run-action.ts";
import { createScratchClone, type ScratchClone } from "../../lib/github/testing/scratch-clone.ts";
import { runCommand } from "../../lib/process.ts";

// The scale action without the deploy (apply: false); the deploy is tested
// against the local cluster in scale.integration.test.ts.
const scale = suite<{ clone: ScratchClone; github: FakeGitHub }>("scale action");

scale.before.each(async (context) => {
  context.clone = await createScratchClone({});
  context.github = await startFakeGitHub("acme/shop");
});
scale.after.each(async (context) => {
  await context.github.close();
  await context.clone.remove();
});

function scaleInputs(replicas: string) {
  return { environment: "staging", service: "time", replicas, apply: "false", "github-token": "t0ken" };
}

async function remoteReplicas(clone: ScratchClone, ref: string): Promise<unknown> {
  const text = (
    await runCommand("git", ["show", `${ref}:clusters/staging/environment.yaml`], { cwd: clone.remote })
  ).stdout;
  return parse(text).services.time.replicas;
}

// Makes the remote reject pushes to main, as a protected branch does.
async function protectMain(clone: ScratchClone): Promise<void> {
  const hook = join(clone.remote, "hooks", "pre-receive");
  await writeFile(
    hook,
    '#!/bin/sh\nwhile read old new ref; do [ "$ref" = refs/heads/main ] && { echo "main is protected" >&2; exit 1; }; done; exit 0\n',
  );
  await chmod(hook, 0o755);
}

scale("commits and pushes the new count", async ({ clone, github }) => {
  const result = await runAction("scale", {
    inputs: scaleInputs("5"),
    apiUrl: github.url,
    workspace: clone.root,
  });
  assert.is(result.exitCode, 0, result.log);
  assert.is(result.outputs.changed, "true");
  assert.is(await remoteReplicas(clone, "main"), 5);
  assert.is(await clone.git("log", "-1", "--format=%s"), "Scale time in staging to 5 replicas");
  assert.is(result.outputs.commit, await clone.git("rev-parse", "HEAD"));
});

scale("keeps the file's comments", async ({ clone, github }) => {
  await runAction("scale", { inputs: scaleInputs("3"), apiUrl: github.url, workspace: clone.root });
  const text = await readFile(join(clone.root, "clusters", "staging", "environment.yaml"), "utf8");
  assert.match(text, "# The staging cluster");
});

scale("opens a pull request when main is protected", async ({ clone, github }) => {
  await protectMain(clone);
  const result = await runAction("scale", {
    inputs: scaleInputs("4"),
    apiUrl: github.url,
    workspace: clone.root,
  });
  assert.is(result.exitCode, 0, result.log);
  const [pull] = github.state.pulls;
  assert.is(result.outputs["pull-request"], String(pull?.number));
  assert.is(pull?.base, "main");
  assert.match(pull?.head ?? "", /^mooring\/scale-staging-time-4-/);
  assert.is(await remoteReplicas(clone, pull?.head ?? ""), 4);
  assert.is(await remoteReplicas(clone, "main"), 2);
  assert.equal(github.state.rejected, []);
});

scale("goes on when GitHub cannot open the pull request", async ({ clone, github }) => {
  await protectMain(clone);
  github.failNext(1000, 502);
  const result = await runAction("scale", {
    inputs: scaleInputs("4"),
    apiUrl: github.url,
    workspace: clone.root,
    env: { MOORING_GITHUB_RETRY_BASE_MS: "10" },
  });
  assert.is(result.exitCode, 0, result.log);
  assert.is(result.outputs["pull-request"], undefined);
  const branch = /the commit is on branch '(mooring\/scale-staging-time-4-[^']+)'/.exec(result.log)?.[1];
  assert.ok(branch, result.log);
  assert.is(await remoteReplicas(clone, branch), 4);
  assert.match(
    result.log,
    "::warning::Open the scale pull request failed on GitHub (POST /repos/acme/shop/pulls returned 502: injected failure)",
  );
  assert.equal(github.state.pulls, []);
});

scale("leaves an unchanged count alone", async ({ clone, github }) => {
  const head = await clone.git("rev-parse", "HEAD");
  const result = await runAction("scale", {
    inputs: scaleInputs("2"),
    apiUrl: github.url,
    workspace: clone.root,
  });
  assert.is(result.exitCode, 0, result.log);
  assert.is(result.outputs.changed, "false");
  assert.is(await clone.git("rev-parse", "HEAD"), head);
});

scale("rejects a bad request before any change", async ({ clone, github }) => {
  const head = await clone.git("rev-parse", "HEAD");
  const cases: Array<[Record<string, string>, string]> = [
    [{ replicas: "21" }, "replicas '21' is invalid; expected a whole number from 0 to 20"],
    [{ replicas: "-1" }, "replicas '-1' is invalid"],
    [{ replicas: "2.5" }, "replicas '2.5' is invalid"],
    [{ service: "cache" }, "service 'cache' does not run in environment 'staging'"],
    [{ environment: "preview" }, "environment 'preview' is a preview template"],
    [{ environment: "nowhere" }, "clusters/nowhere/environment.yaml"],
  ];
  for (const [change, message] of cases) {
    const result = await runAction("scale", {
      inputs: { ...scaleInputs("3"), ...change },
      apiUrl: github.url,
      workspace: clone.root,
    });
    assert.is(result.exitCode, 1, JSON.stringify(change));
    assert.match(result.log, message);
  }
  assert.is(await clone.git("rev-parse", "HEAD"), head);
  assert.is(await clone.git("status", "--porcelain"), "");
});

scale.run();
