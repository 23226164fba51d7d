// Benchmark of `mooring build` against a plain `buildah build` and `buildah push`
// of all three service images, side by side in one run: cold (empty builder
// storage and registry), warm (nothing changed) and one service changed.
// Each tool gets its own builder storage and registry prefix. Run with
// `npx tsx bench/images.ts [--runs N]` while the local registry is up.
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadProject } from "../lib/config/load.ts";
import type { Environment } from "../lib/config/schema.ts";
import { type BaseImages, ensureLocalNodeImages } from "../lib/images/base.ts";
import { buildImages } from "../lib/images/build.ts";
import { createBuilder } from "../lib/images/builder.ts";
import { RegistryClient } from "../lib/images/registry.ts";
import { runCommand } from "../lib/process.ts";

const ROOT = join(import.meta.dirname, "..");
const SERVICES = ["frontend", "image", "time"];
const SHARED_PREFIX = "localhost:5000/mooring-bench";
const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);

interface Tool {
  name: string;
  /** Builder storage of its own, so the tools share no layer cache. */
  storageConf: string;
  build(): Promise<void>;
}

// 1. A project copy in a git repository, and the shared base images.
const work = join(tmpdir(), `mooring-bench-${randomBytes(4).toString("hex")}`);
const project = join(work, "project");
await copyProject(project);
const builder = createBuilder("buildah");
const base = await ensureLocalNodeImages({
  prefix: SHARED_PREFIX,
  registry: new RegistryClient("localhost:5000", { insecure: true }),
  builder,
  insecure: true,
});
if (base === undefined) throw new Error("no local base images");
const run = randomBytes(4).toString("hex");

// 2. The two tools.
const mooring: Tool = {
  name: "mooring build",
  storageConf: await storageConf("mooring"),
  async build() {
    const loaded = await loadProject(project, "local");
    const environment: Environment = {
      ...loaded.environment,
      images: {
        ...loaded.environment.images,
        registry: `${SHARED_PREFIX}/${run}/mooring`,
        base: base.runtime.reference,
      },
    };
    await withStorage(this.storageConf, () =>
      buildImages(project, environment, SERVICES, builder, () => {}, { buildImage: base.build.reference }),
    );
  },
};
const plain: Tool = {
  name: "buildah build + push",
  storageConf: await storageConf("plain"),
  async build() {
    await withStorage(this.storageConf, () => plainBuildAll(base, `${SHARED_PREFIX}/${run}/plain`));
  },
};

// 3. The scenarios, the tools side by side in each.
const rows: string[][] = [];
try {
  const cold = await timeBoth("cold: empty storage and registry", 1, async () => {});
  rows.push(cold);
  rows.push(await timeBoth("warm: nothing changed", runs, async () => {}));
  let change = 0;
  rows.push(
    await timeBoth("one service changed (time)", runs, async () => {
      change++;
      const file = join(project, "services/time/src/app.ts");
      await writeFile(file, `${await readFile(file, "utf8")}// benchmark change ${change}\n`);
    }),
  );
} finally {
  await rm(work, { recursive: true, force: true });
}

// 4. The report.
const header = ["scenario", "mooring build", "buildah build + push", "ratio"];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
);
for (const row of [header, ...rows])
  console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
console.log(
  `\n${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
    `${(await runCommand("buildah", ["--version"])).stdout.trim()}; node ${process.version}; median of ${runs} runs (cold: 1)`,
);

// Times both tools `count` times after `prepare`, and returns a table row with medians and their ratio.
async function timeBoth(scenario: string, count: number, prepare: () => Promise<void>): Promise<string[]> {
  const times: Record<string, number[]> = { [mooring.name]: [], [plain.name]: [] };
  for (let index = 0; index < count; index++) {
    await prepare();
    for (const tool of [mooring, plain]) {
      const started = performance.now();
      await tool.build();
      times[tool.name]?.push((performance.now() - started) / 1000);
    }
  }
  const mooringTime = median(times[mooring.name] ?? []);
  const plainTime = median(times[plain.name] ?? []);
  console.error(`${scenario}: mooring ${mooringTime.toFixed(1)} s, plain ${plainTime.toFixed(1)} s`);
  return [
    scenario,
    `${mooringTime.toFixed(1)} s`,
    `${plainTime.toFixed(1)} s`,
    `${(plainTime / mooringTime).toFixed(1)}x faster`,
  ];
}

// Builds and pushes every image the way a user would by hand: from the project root, one after the other.
async function plainBuildAll(images: BaseImages, prefix: string): Promise<void> {
  for (const service of SERVICES) {
    const reference = `${prefix}/${service}:latest`;
    await runCommand("buildah", [
      "build",
      "--layers",
      "--network",
      "host",
      "--tls-verify=false",
      "--build-arg",
      `BASE_IMAGE=${images.runtime.reference}`,
      "--build-arg",
      `BUILD_IMAGE=${images.build.reference}`,
      "--file",
      join(project, "services", service, "Containerfile"),
      "--tag",
      reference,
      project,
    ]);
    await runCommand("buildah", ["push", "--tls-verify=false", reference, `docker://${reference}`]);
  }
}

// Points buildah at a storage of its own for the duration of `task`.
async function withStorage<T>(conf: string, task: () => Promise<T>): Promise<T> {
  const previous = process.env.CONTAINERS_STORAGE_CONF;
  process.env.CONTAINERS_STORAGE_CONF = conf;
  try {
    return await task();
  } finally {
    if (previous === undefined) delete process.env.CONTAINERS_STORAGE_CONF;
    else process.env.CONTAINERS_STORAGE_CONF = previous;
  }
}

async function storageConf(name: string): Promise<string> {
  const folder = join(work, `storage-${name}`);
  await mkdir(folder, { recursive: true });
  const conf = join(folder, "storage.conf");
  await writeFile(
    conf,
    `[storage]\ndriver = "overlay"\ngraphroot = "${folder}/graph"\nrunroot = "${folder}/run"\n`,
  );
  return conf;
}

async function copyProject(target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const path of [
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "manifests",
    "clusters",
    ".containerignore",
  ]) {
    await cp(join(ROOT, path), join(target, path), { recursive: true });
  }
  await cp(join(ROOT, "services"), join(target, "services"), {
    recursive: true,
    filter: (source) => !source.includes("/dist"),
  });
  await symlink(join(ROOT, "node_modules"), join(target, "node_modules"));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
