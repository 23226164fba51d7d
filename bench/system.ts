// The synthetic system deployed twice, once by Mooring and once by kubectl,
// each into a namespace of its own, as the deploy sections start from.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { BenchContext } from "./harness.ts";
import {
  type BenchProject,
  createSyntheticProject,
  deleteLater,
  RUN_ID,
  renderFiles,
  runKubectl,
  runMooring,
} from "./project.ts";

/** The synthetic system with both sides deployed. */
export interface DeployedSystem {
  project: BenchProject;
  /** The folder of kubectl's files: the `kubectl` environment rendered one object per file. */
  files: string;
  /** Namespaces of Mooring's side and of kubectl's side. */
  namespaces: { mooring: string; kubectl: string };
  objects: number;
  /** The kinds among the objects, such as `Deployment`. */
  kinds: string[];
}

/**
 * Creates the synthetic system for a section, renders kubectl's files, and
 * deploys both sides once (unmeasured). The namespaces are deleted after the run.
 */
export async function deploySystem(
  context: BenchContext,
  section: string,
  count = context.services,
): Promise<DeployedSystem> {
  const namespaces = { mooring: `bench-${section}-m-${RUN_ID}`, kubectl: `bench-${section}-k-${RUN_ID}` };
  deleteLater(context, [namespaces.mooring, namespaces.kubectl]);
  const project = await createSyntheticProject(context, `${section}-system`, count, [
    { name: "mooring", namespace: namespaces.mooring },
    { name: "kubectl", namespace: namespaces.kubectl },
  ]);
  const files = join(context.work, `${section}-files`);
  await renderFiles(context, project, ["--env", "kubectl"], files);
  const names = (await readdir(files)).filter((name) => name.endsWith(".yaml"));
  const kinds = [...new Set(names.map((name) => name.split("-")[1] ?? ""))].sort();
  context.log(`${section}: deploying ${names.length} objects of ${count} services with each tool`);
  await runMooring(context, project, deployArguments(project));
  await runKubectl(context, ["apply", "--server-side", "-f", files]);
  return { project, files, namespaces, objects: names.length, kinds };
}

/** Returns the arguments of `mooring deploy` of the system's Mooring side. */
export function deployArguments(project: BenchProject): string[] {
  return ["deploy", "--env", "mooring", ...project.imageArguments];
}
