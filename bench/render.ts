// Render: `mooring render` of each environment of the repository and of the
// synthetic system, against `kubectl kustomize` of a folder that contains the
// same objects as plain YAML, checking that both print the same objects.
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments } from "yaml";
import { listEnvironments } from "../lib/config/load.ts";
import { alternate, compareRow, type Row, ratioAtMost, type Section } from "./harness.ts";
import { type BenchProject, createSyntheticProject, renderFiles, runKubectl, runMooring } from "./project.ts";

/** An image reference for rendering only: render reads the digest and never pulls the image. */
const PLACEHOLDER_IMAGE = `localhost:5000/mooring/render-only@sha256:${"0".repeat(64)}`;

export const renderSection: Section = {
  name: "render",
  title: "Render",
  async run(context) {
    // 1. The repository as it is, and the synthetic system.
    const repository: BenchProject = {
      root: context.root,
      services: ["frontend", "image", "time"],
      imageArguments: ["frontend", "image", "time"].flatMap((service) => [
        "--image",
        `${service}=${PLACEHOLDER_IMAGE}`,
      ]),
    };
    const synthetic = await createSyntheticProject(
      context,
      "render-system",
      context.services,
      [{ name: "system", namespace: "bench-render" }],
      PLACEHOLDER_IMAGE,
    );
    const cases: { label: string; project: BenchProject; args: string[] }[] = [];
    for (const environment of await listEnvironments(context.root)) {
      const args = ["--env", environment, ...(environment === "preview" ? ["--pr", "1"] : [])];
      cases.push({ label: `${environment} environment, 3 services`, project: repository, args });
    }
    cases.push({
      label: `synthetic system, ${context.services} services`,
      project: synthetic,
      args: ["--env", "system"],
    });

    // 2. Each case: check that both sides print the same objects, then time them.
    const rows: Row[] = [];
    for (const [index, { label, project, args }] of cases.entries()) {
      const folder = join(context.work, `kustomize-${index}`);
      await renderFiles(context, project, args, folder);
      await writeKustomization(folder);
      const mooringArgs = ["render", ...args, ...project.imageArguments];
      const count = await checkSameObjects(
        (await runMooring(context, project, mooringArgs)).stdout,
        (await runKubectl(context, ["kustomize", folder])).stdout,
        label,
      );
      const samples = await alternate(context, `render ${label}`, {
        mooring: async () => (await runMooring(context, project, mooringArgs)).seconds,
        alternative: async () => (await runKubectl(context, ["kustomize", folder])).seconds,
      });
      rows.push(
        compareRow(
          `${label} (${count} objects)`,
          "s",
          samples,
          ratioAtMost(1, "faster than kubectl kustomize"),
        ),
      );
    }

    return {
      alternative:
        "`kubectl kustomize DIR`, where DIR contains the objects `mooring render --out` wrote, one file each, and a kustomization.yaml listing them",
      rows,
      notes: [
        "Both sides print the same objects: the bench parses both outputs and compares them object by object before timing.",
        "Images are given with `--image` (a reference pinned by digest), so `mooring render` asks no registry.",
        "kubectl kustomize only reads finished YAML, while Mooring loads and validates the configuration, runs the templates and checks every object; both start a process per run, and Mooring's CLI is `node bin/mooring.js`.",
      ],
      tried:
        "Most of Mooring's time is the start-up of Node.js and of the CLI. The CLI now runs one bundle of lib/ made by esbuild instead of compiling each module with tsx, and loads the Kubernetes client only for the commands that talk to the cluster; Node.js alone takes about as long to start as kubectl kustomize takes in all (see the start-up section).",
    };
  },
};

// Lists every object file in the folder as a kustomize resource.
async function writeKustomization(folder: string): Promise<void> {
  const files = (await readdir(folder)).filter((name) => name.endsWith(".yaml")).sort();
  const lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:"];
  for (const file of files) lines.push(`  - ${file}`);
  await writeFile(join(folder, "kustomization.yaml"), `${lines.join("\n")}\n`);
}

// Parses both YAML streams and checks that they hold the same objects; returns their count.
function checkSameObjects(mooringOutput: string, kustomizeOutput: string, label: string): number {
  const byName = (text: string) => {
    const objects = new Map<string, unknown>();
    for (const document of parseAllDocuments(text)) {
      const object = document.toJS() as {
        kind: string;
        metadata: { name: string; namespace?: string };
      } | null;
      if (object === null) continue;
      objects.set(`${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`, object);
    }
    return objects;
  };
  const mooring = byName(mooringOutput);
  const kustomize = byName(kustomizeOutput);
  const different = [...new Set([...mooring.keys(), ...kustomize.keys()])].filter(
    (key) => !isDeepStrictEqual(mooring.get(key), kustomize.get(key)),
  );
  if (different.length > 0) {
    throw new Error(
      `mooring render and kubectl kustomize print different objects for ${label}: ${different.slice(0, 5).join(", ")}`,
    );
  }
  return mooring.size;
}
