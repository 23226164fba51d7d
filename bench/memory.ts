// Memory: the peak resident memory of `mooring deploy` on the synthetic
// system, when it creates every object and when nothing changed, beside
// `kubectl apply --server-side` doing the same, measured by GNU time.
import { join } from "node:path";
import { canMeasureMemory, compareRow, GNU_TIME, type Section } from "./harness.ts";
import {
  createSyntheticProject,
  deleteLater,
  RUN_ID,
  renderFiles,
  runKubectl,
  runMooring,
} from "./project.ts";
import { deployArguments } from "./system.ts";

export const memorySection: Section = {
  name: "memory",
  title: "Memory",
  async run(context) {
    if (!canMeasureMemory()) {
      throw new Error(`${GNU_TIME} is missing; it is Debian's package 'time' (apt-get install time)`);
    }

    // 1. The synthetic system, not deployed yet, in namespaces of its own.
    const namespaces = { mooring: `bench-memory-m-${RUN_ID}`, kubectl: `bench-memory-k-${RUN_ID}` };
    deleteLater(context, [namespaces.mooring, namespaces.kubectl]);
    const project = await createSyntheticProject(context, "memory-system", context.services, [
      { name: "mooring", namespace: namespaces.mooring },
      { name: "kubectl", namespace: namespaces.kubectl },
    ]);
    const files = join(context.work, "memory-files");
    await renderFiles(context, project, ["--env", "kubectl"], files);

    // 2. Create everything, then deploy again with nothing changed, each tool in turn.
    const peakMiB = async (run: Promise<{ peakKiB?: number }>) => ((await run).peakKiB ?? Number.NaN) / 1024;
    const mooring = () =>
      peakMiB(runMooring(context, project, deployArguments(project), { measureMemory: true }));
    const kubectl = () =>
      peakMiB(runKubectl(context, ["apply", "--server-side", "-f", files], { measureMemory: true }));
    const create = { mooring: [await mooring()], alternative: [await kubectl()] };
    const noop = { mooring: [await mooring()], alternative: [await kubectl()] };
    context.log(
      `memory: mooring ${create.mooring[0]?.toFixed(0)} MiB creating, ${noop.mooring[0]?.toFixed(0)} MiB with nothing changed`,
    );

    return {
      alternative: "`kubectl apply --server-side -f DIR` of the same objects",
      rows: [
        compareRow(`peak resident memory, creating ${context.services} services`, "MiB", create),
        compareRow("peak resident memory, nothing changed", "MiB", noop),
      ],
      notes: [
        "Peak resident memory (maximum RSS) of the one process each tool runs, from GNU time's `%M`, in one run each.",
      ],
    };
  },
};
