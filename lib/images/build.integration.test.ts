import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadProject } from "../config/load.ts";
import type { Environment } from "../config/schema.ts";
import { runCommand } from "../process.ts";
import { renderProject } from "../render/render.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { ensureLocalNodeImages } from "./base.ts";
import { type BuildOptions, buildImages, type ImageBuildResult } from "./build.ts";
import { createBuilder } from "./builder.ts";
import { RegistryClient } from "./registry.ts";
import type { ServiceImage } from "./service-image.ts";

// Every image of this file goes under a prefix of its own, so no run touches the demo's tags or another run's.
const SHARED_PREFIX = "localhost:5000/mooring-images-test";
const PREFIX = `${SHARED_PREFIX}/${randomBytes(4).toString("hex")}`;
const REPOSITORY_PREFIX = PREFIX.slice("localhost:5000/".length);
const SERVICES = ["frontend", "image", "time"];
const registry = new RegistryClient("localhost:5000", { insecure: true });
const builder = createBuilder("buildah");

const state: {
  root?: string;
  environment?: Environment;
  options?: BuildOptions;
  first?: ImageBuildResult;
} = {};

// A copy of the project in a temporary git repository, so tests can change and commit its sources.
async function copyProject(): Promise<string> {
  const root = join(tmpdir(), `mooring-images-test-${randomBytes(4).toString("hex")}`);
  await mkdir(root);
  for (const path of ["package.json", "package-lock.json", "tsconfig.json", "manifests", "clusters"]) {
    await cp(join(REPOSITORY_ROOT, path), join(root, path), { recursive: true });
  }
  await cp(join(REPOSITORY_ROOT, "services"), join(root, "services"), {
    recursive: true,
    filter: (source) => !source.includes("/dist"),
  });
  await symlink(join(REPOSITORY_ROOT, "node_modules"), join(root, "node_modules"));
  await writeFile(join(root, ".gitignore"), "node_modules\n");
  await git(root, "init", "-q");
  await commitAll(root, "copy of the project");
  return root;
}

async function git(root: string, ...args: string[]): Promise<string> {
  const identity = ["-c", "user.name=Mooring Test", "-c", "user.email=test@mooring.invalid"];
  return (await runCommand("git", ["-C", root, ...identity, ...args])).stdout.trim();
}

async function commitAll(root: string, message: string): Promise<void> {
  await git(root, "add", "-A");
  await git(root, "commit", "-q", "-m", message);
}

async function appendLine(root: string, path: string, line: string): Promise<void> {
  const file = join(root, path);
  await writeFile(file, `${await readFile(file, "utf8")}${line}\n`);
}

async function build(): Promise<ImageBuildResult> {
  const printed: string[] = [];
  const result = await buildImages(
    state.root as string,
    state.environment as Environment,
    SERVICES,
    builder,
    (line) => printed.push(line),
    state.options,
  );
  assert.is(result.images.length, SERVICES.length, printed.join("\n"));
  return result;
}

function byService(result: ImageBuildResult): Record<string, ServiceImage> {
  return Object.fromEntries(result.images.map((image) => [image.service, image]));
}

function statuses(result: ImageBuildResult): Record<string, string> {
  return Object.fromEntries(result.images.map((image) => [image.service, image.status]));
}

const buildImagesSuite = suite("buildImages");

buildImagesSuite.before(async () => {
  // The local base images live under the shared prefix, so they are built once, not once per run.
  const base = await ensureLocalNodeImages({ prefix: SHARED_PREFIX, registry, builder, insecure: true });
  assert.ok(base, "no local base images");
  state.root = await copyProject();
  const project = await loadProject(state.root, "local");
  state.environment = {
    ...project.environment,
    images: { ...project.environment.images, registry: PREFIX, base: base.runtime.reference },
  };
  state.options = {
    buildImage: base.build.reference,
    source: { pullRequest: 7, url: "https://github.com/acme/mooring" },
  };
});

buildImagesSuite.after(async () => {
  if (state.root !== undefined) await rm(state.root, { recursive: true, force: true });
});

buildImagesSuite("first build builds three images", async () => {
  const result = await build();
  state.first = result;
  const revision = await git(state.root as string, "rev-parse", "HEAD");
  assert.equal(statuses(result), { frontend: "built", image: "built", time: "built" });
  for (const image of result.images) {
    assert.match(image.digest, /^sha256:[0-9a-f]{64}$/);
    assert.is(image.reference, `${PREFIX}/${image.service}@${image.digest}`);
    assert.equal(image.tags, [image.tag, revision, "pr-7"]);
    for (const tag of image.tags) {
      assert.is(await registry.findDigest(`${REPOSITORY_PREFIX}/${image.service}`, tag), image.digest, tag);
    }
    assert.ok(image.size > 1024 * 1024, `size ${image.size}`);
    assert.is(image.user, "65532:65532");
    assert.is(image.reason, "no image in the registry has these inputs");
  }
});

buildImagesSuite("images carry the OCI labels", async () => {
  const revision = await git(state.root as string, "rev-parse", "HEAD");
  const created = await git(state.root as string, "show", "-s", "--format=%cI", "HEAD");
  const time = byService(state.first as ImageBuildResult).time as ServiceImage;
  const summary = await registry.describeImage(`${REPOSITORY_PREFIX}/time`, time.digest);
  assert.is(summary?.labels["org.opencontainers.image.title"], "time");
  assert.is(summary?.labels["org.opencontainers.image.revision"], revision);
  assert.is(summary?.labels["org.opencontainers.image.created"], created);
  assert.is(summary?.labels["org.opencontainers.image.source"], "https://github.com/acme/mooring");
  assert.is(summary?.size, time.size);
});

buildImagesSuite("second build reuses every image", async () => {
  const result = await build();
  assert.equal(statuses(result), { frontend: "reused", image: "reused", time: "reused" });
  const first = byService(state.first as ImageBuildResult);
  const revision = await git(state.root as string, "rev-parse", "HEAD");
  for (const image of result.images) {
    assert.is(image.digest, first[image.service]?.digest, image.service);
    assert.is(image.reason, `inputs unchanged since the image built from ${revision.slice(0, 12)}`);
  }
});

buildImagesSuite("changing time's source rebuilds only time", async () => {
  const root = state.root as string;
  await appendLine(root, "services/time/src/app.ts", "// a change only time's image contains");
  await commitAll(root, "change time");
  const before = byService(await build());
  const revision = await git(root, "rev-parse", "HEAD");
  assert.equal(Object.fromEntries(Object.values(before).map((image) => [image.service, image.status])), {
    frontend: "reused",
    image: "reused",
    time: "built",
  });
  assert.is(before.time?.reason, "inputs changed: changed file:services/time/src/app.ts");
  assert.equal(before.time?.changes, ["changed file:services/time/src/app.ts"]);
  assert.is.not(before.time?.digest, byService(state.first as ImageBuildResult).time?.digest);
  assert.is(before.frontend?.digest, byService(state.first as ImageBuildResult).frontend?.digest);
  // A reused image still gets the new commit's tag.
  assert.is(await registry.findDigest(`${REPOSITORY_PREFIX}/frontend`, revision), before.frontend?.digest);
});

buildImagesSuite("changing a frontend-only file rebuilds only frontend", async () => {
  const root = state.root as string;
  await appendLine(root, "services/frontend/src/page.ts", "// a change only the frontend uses");
  await commitAll(root, "change the frontend page");
  const result = await build();
  assert.equal(statuses(result), { frontend: "built", image: "reused", time: "reused" });
});

buildImagesSuite("changing shared code rebuilds every service", async () => {
  const root = state.root as string;
  await appendLine(root, "services/common/src/logger.ts", "// a change every service imports");
  await commitAll(root, "change the shared logger");
  const result = await build();
  assert.equal(statuses(result), { frontend: "built", image: "built", time: "built" });
  assert.is(byService(result).time?.reason, "inputs changed: changed file:services/common/src/logger.ts");
});

buildImagesSuite("an unrelated dependency rebuilds nothing", async () => {
  const root = state.root as string;
  const lockfile = JSON.parse(await readFile(join(root, "package-lock.json"), "utf8"));
  lockfile.packages["node_modules/zod"].integrity = "sha512-changed";
  await writeFile(join(root, "package-lock.json"), JSON.stringify(lockfile, null, 2));
  await commitAll(root, "change a dependency no service bundles");
  const result = await build();
  assert.equal(statuses(result), { frontend: "reused", image: "reused", time: "reused" });
});

buildImagesSuite("uncommitted changes get no commit tag", async () => {
  const root = state.root as string;
  await appendLine(root, "services/image/src/svg.ts", "// not committed");
  const revision = await git(root, "rev-parse", "HEAD");
  const image = byService(await build()).image as ServiceImage;
  assert.is(image.status, "built");
  assert.equal(image.tags, [image.tag, "pr-7"]);
  assert.is.not(await registry.findDigest(`${REPOSITORY_PREFIX}/image`, revision), image.digest);
  const summary = await registry.describeImage(`${REPOSITORY_PREFIX}/image`, image.digest);
  assert.is(summary?.labels["org.opencontainers.image.revision"], `${revision}-dirty`);
});

buildImagesSuite("rendered manifests use digests the registry has", async () => {
  const result = await build();
  const project = await loadProject(state.root as string, "local");
  const references = Object.fromEntries(result.images.map((image) => [image.service, image.reference]));
  const objects = await renderProject(
    { ...project, environment: state.environment as Environment },
    references,
  );
  const deployments = objects.filter((object) => object.kind === "Deployment");
  assert.is(deployments.length, SERVICES.length);
  for (const deployment of deployments) {
    const spec = deployment.spec as { template: { spec: { containers: { image: string }[] } } };
    const image = spec.template.spec.containers[0]?.image ?? "";
    const match = /^localhost:5000\/(.+)@(sha256:[0-9a-f]{64})$/.exec(image);
    assert.ok(match, `'${image}' is not pinned by digest`);
    assert.is(await registry.findDigest(match[1] as string, match[2] as string), match[2]);
  }
});

buildImagesSuite("each image runs as non-root", async () => {
  const result = await build();
  for (const image of result.images) {
    const { stdout } = await runCommand("buildah", [
      "from",
      "--quiet",
      "--tls-verify=false",
      `docker://${image.reference}`,
    ]);
    const container = stdout.trim();
    try {
      const check =
        "const fs = require('node:fs'); fs.accessSync('/app/server.js', fs.constants.R_OK); " +
        "process.stdout.write(process.getuid() + ':' + process.getgid());";
      const run = await runCommand("buildah", [
        "run",
        "--network",
        "host",
        container,
        "--",
        "node",
        "-e",
        check,
      ]);
      assert.is(run.stdout, "65532:65532", image.service);
    } finally {
      await runCommand("buildah", ["rm", container]);
    }
  }
});

buildImagesSuite("a failed build names the service and step", async () => {
  const root = state.root as string;
  await writeFile(join(root, "services/time/Containerfile"), 'FROM scratch\nRUN ["/no-such-binary"]\n');
  try {
    await build();
    assert.unreachable("the build succeeded");
  } catch (error) {
    const message = (error as Error).message;
    assert.match(message, /^1 of 3 images failed:\n {2}Image of service 'time' failed at step 'build': /);
    assert.match(message, /no-such-binary/);
  } finally {
    await git(root, "checkout", "--", "services/time/Containerfile");
  }
});

buildImagesSuite.run();
