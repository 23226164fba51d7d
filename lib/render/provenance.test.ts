import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { runCommand } from "../process.ts";
import { detectProvenance, provenanceAnnotations } from "./provenance.ts";

const detectProvenanceSuite = suite("detectProvenance");

async function gitRepository(): Promise<{ root: string; commit: string }> {
  const root = await mkdtemp(join(tmpdir(), "mooring-provenance-"));
  const git = (...args: string[]) =>
    runCommand("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: root });
  await git("init", "-q");
  await writeFile(join(root, "file.txt"), "one\n");
  await git("add", "file.txt");
  await git("commit", "-q", "-m", "first");
  const commit = (await git("rev-parse", "HEAD")).stdout.trim();
  return { root, commit };
}

detectProvenanceSuite("reads the commit of a clean checkout", async () => {
  const { root, commit } = await gitRepository();
  assert.equal(await detectProvenance(root, {}), { commit });
});

detectProvenanceSuite("marks a checkout with changes dirty", async () => {
  const { root, commit } = await gitRepository();
  await writeFile(join(root, "file.txt"), "two\n");
  assert.equal(await detectProvenance(root, {}), { commit: `${commit}-dirty` });
});

detectProvenanceSuite("builds the run URL from GitHub's variables", async () => {
  const root = await mkdtemp(join(tmpdir(), "mooring-provenance-"));
  const environment = {
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: "example/mooring",
    GITHUB_RUN_ID: "99",
    GITHUB_RUN_ATTEMPT: "2",
  };
  assert.equal(await detectProvenance(root, environment), {
    runUrl: "https://github.com/example/mooring/actions/runs/99/attempts/2",
  });
});

const provenanceAnnotationsSuite = suite("provenanceAnnotations");

provenanceAnnotationsSuite("writes the annotations", () => {
  assert.equal(provenanceAnnotations({ commit: "abcdef0-dirty", runUrl: "https://ci.example.com/1" }), {
    annotations: {
      "mooring.dev/git-commit": "abcdef0-dirty",
      "mooring.dev/workflow-run": "https://ci.example.com/1",
    },
    problems: [],
  });
  assert.equal(provenanceAnnotations({}), { annotations: {}, problems: [] });
});

provenanceAnnotationsSuite("rejects a value that is no commit", () => {
  assert.equal(provenanceAnnotations({ commit: "abc\nkind: Secret" }).problems, [
    "invalid commit 'abc\nkind: Secret'; expected 7 to 64 hex digits, optionally with '-dirty'",
  ]);
});

detectProvenanceSuite.run();
provenanceAnnotationsSuite.run();
