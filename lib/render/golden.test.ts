import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { listEnvironments, loadProject } from "../config/load.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { renderProject, toYamlStream } from "./render.ts";

// Golden tests: each environment in clusters/ rendered with the repository's
// own templates and service files, compared in full with
// lib/render/golden/<environment>.yaml. After an intended change, rewrite the
// files with `UPDATE_GOLDEN=1 npx tsx node_modules/uvu/bin.js lib 'golden\.test\.ts$'`
// and review the diff.

const GOLDEN_FOLDER = join(import.meta.dirname, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** The pull request the preview template is rendered for. */
const GOLDEN_PULL_REQUEST = 42;
/** Fixed provenance, so that the files do not change with each commit. */
const GOLDEN_PROVENANCE = {
  commit: "5e0f6b0c3a9d4e2f8a7b6c5d4e3f2a1b0c9d8e7f",
  runUrl: "https://github.com/example/mooring/actions/runs/1234567890/attempts/1",
};

/** Returns a fixed digest for a service: the SHA-256 of its name. */
function goldenDigest(service: string): string {
  return `sha256:${createHash("sha256").update(service).digest("hex")}`;
}

/** Renders an environment of the repository as the golden files hold it. */
async function renderGolden(environmentName: string): Promise<string> {
  const project = await loadProject(REPOSITORY_ROOT, environmentName, pullRequestFor(environmentName));
  const images = Object.fromEntries(
    project.services.map((service) => [
      service.name,
      `${project.environment.images.registry}/${service.name}@${goldenDigest(service.name)}`,
    ]),
  );
  return toYamlStream(await renderProject(project, images, GOLDEN_PROVENANCE));
}

function pullRequestFor(environmentName: string): { pullRequest?: number } {
  return environmentName === "preview" ? { pullRequest: GOLDEN_PULL_REQUEST } : {};
}

const golden = suite("golden render");
const environments = await listEnvironments(REPOSITORY_ROOT);

golden("has a file for each environment and no other", async () => {
  if (UPDATE) await mkdir(GOLDEN_FOLDER, { recursive: true });
  const files = (await readdir(GOLDEN_FOLDER)).filter((name) => name.endsWith(".yaml")).sort();
  if (!UPDATE) {
    assert.equal(
      files,
      environments.map((name) => `${name}.yaml`),
    );
  }
});

for (const environment of environments) {
  golden(`${environment} matches golden/${environment}.yaml`, async () => {
    const actual = await renderGolden(environment);
    const path = join(GOLDEN_FOLDER, `${environment}.yaml`);
    if (UPDATE) await writeFile(path, actual);
    const expected = await readFile(path, "utf8").catch(() => "");
    assert.fixture(
      actual,
      expected,
      `clusters/${environment} renders differently from ${path}; see the test's header`,
    );
  });
}

golden.run();
