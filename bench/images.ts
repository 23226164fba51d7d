// Images: `mooring build` (through its API, without the CLI's start-up)
// against a plain `buildah build` and `buildah push` of all three service
// images: cold (empty builder storage and registry), warm (nothing changed)
// and one service changed. Each tool gets its own builder storage and
// registry prefix, so neither profits from the other's cache.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadProject } from "../lib/config/load.ts";
import type { Environment } from "../lib/config/schema.ts";
import { type BaseImages, ensureLocalNodeImages } from "../lib/images/base.ts";
import { buildImages } from "../lib/images/build.ts";
import { createBuilder } from "../lib/images/builder.ts";
import { RegistryClient } from "../lib/images/registry.ts";
import { runCommand } from "../lib/process.ts";
import { alternate, compareRow, type Row, type Section } from "./harness.ts";
import { copyProject } from "./project.ts";

const SERVICES = ["frontend", "image", "time"];
const SHARED_PREFIX = "localhost:5000/mooring-bench";

interface Tool {
  /** Builder storage of its own, so the tools share no layer cache. */
  storageConf: string;
  build(): Promise<void>;
}

export const imagesSection: Section = {
  name: "images",
  title: "Images",
  async run(context) {
    // 1. A project copy, and the shared base images.
    const work = join(context.work, "images");
    const project = join(work, "project");
    await copyProject(context.root, project);
    const builder = createBuilder("buildah");
    const base = await ensureLocalNodeImages({
      prefix: SHARED_PREFIX,
      registry: new RegistryClient("localhost:5000", { insecure: true }),
      builder,
      insecure: true,
    });
    if (base === undefined) throw new Error("The local base images could not be made");
    const run = randomBytes(4).toString("hex");

    // 2. The two tools.
    const mooring: Tool = {
      storageConf: await storageConf(work, "mooring"),
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
          buildImages(project, environment, SERVICES, builder, () => {}, {
            buildImage: base.build.reference,
          }),
        );
      },
    };
    const plain: Tool = {
      storageConf: await storageConf(work, "plain"),
      async build() {
        await withStorage(this.storageConf, () =>
          plainBuildAll(project, base, `${SHARED_PREFIX}/${run}/plain`),
        );
      },
    };
    const timeBuild = (tool: Tool) => async () => {
      const started = performance.now();
      await tool.build();
      return (performance.now() - started) / 1000;
    };
    const sides = { mooring: timeBuild(mooring), alternative: timeBuild(plain) };

    // 3. The scenarios: cold once, then warm and one service changed, each side in turn.
    const rows: Row[] = [];
    const cold = await alternate({ ...context, runs: 1, warmups: 0 }, "images cold", sides);
    rows.push(compareRow("cold: empty storage and registry (1 run)", "s", cold));
    rows.push(
      compareRow(
        "warm: nothing changed",
        "s",
        await alternate({ ...context, warmups: 0 }, "images warm", sides),
      ),
    );
    let change = 0;
    const changeTime = async () => {
      change++;
      const file = join(project, "services/time/src/app.ts");
      await writeFile(file, `${await readFile(file, "utf8")}// benchmark change ${change}\n`);
    };
    const changed = await alternate({ ...context, warmups: 0 }, "images one changed", sides, changeTime);
    rows.push(compareRow("one service changed (time)", "s", changed));
    await rm(work, { recursive: true, force: true });

    return {
      alternative:
        "`buildah build --layers` from the project root and `buildah push`, for each of the three images, every time",
      rows,
      notes: [
        "Both tools get the same Containerfiles and base images, each a builder storage (`CONTAINERS_STORAGE_CONF`) and a registry prefix of its own under `localhost:5000/mooring-bench/`.",
        "Shared between the tools and between runs: buildah's cache mount for npm (under /var/tmp), and the local base images, made once before timing.",
        "Mooring reuses an image whose inputs are unchanged without starting the builder, installs only the npm packages a bundle uses, rebuilds only the service whose inputs changed, and builds up to one service per CPU at a time.",
      ],
    };
  },
};

// Builds and pushes every image the way a user would by hand: from the project root, one after the other.
async function plainBuildAll(project: string, images: BaseImages, prefix: string): Promise<void> {
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

async function storageConf(work: string, name: string): Promise<string> {
  const folder = join(work, `storage-${name}`);
  await mkdir(folder, { recursive: true });
  const conf = join(folder, "storage.conf");
  await writeFile(
    conf,
    `[storage]\ndriver = "overlay"\ngraphroot = "${folder}/graph"\nrunroot = "${folder}/run"\n`,
  );
  return conf;
}
