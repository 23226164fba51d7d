// Plan and prune: the synthetic system is deployed, a tenth of its services
// are removed, and each tool plans the change and then deploys it, deleting
// the removed services' objects. Each prune run starts from the whole system again.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { alternate, type BenchContext, compareRow, type Section } from "./harness.ts";
import { countRequests, countRow, describeCounts, describeSystem } from "./noop.ts";
import { createSyntheticProject, renderFiles, runKubectl, runMooring } from "./project.ts";
import { deployArguments, deploySystem } from "./system.ts";

/** The label every rendered object carries, which kubectl's prune selects by. */
const PART_OF_SELECTOR = "app.kubernetes.io/part-of=mooring";

export const pruneSection: Section = {
  name: "prune",
  title: "Plan and prune",
  async run(context) {
    // 1. The whole system deployed on both sides, and the system without its last tenth.
    const whole = await deploySystem(context, "prune");
    const removed = Math.max(1, Math.round(context.services / 10));
    const reduced = await createSyntheticProject(context, "prune-reduced", context.services - removed, [
      { name: "mooring", namespace: whole.namespaces.mooring },
      { name: "kubectl", namespace: whole.namespaces.kubectl },
    ]);
    const reducedFiles = join(context.work, "prune-reduced-files");
    await renderFiles(context, reduced, ["--env", "kubectl"], reducedFiles);
    const whitelist = await pruneWhitelist(whole.files);
    const options = (kubeconfig?: string) => (kubeconfig === undefined ? {} : { kubeconfig });

    // 2. Plan: `mooring plan` against `kubectl diff`, which exits 1 when it finds differences.
    const mooringPlan = async (kubeconfig?: string) =>
      (
        await runMooring(
          context,
          reduced,
          ["plan", "--env", "mooring", ...reduced.imageArguments],
          options(kubeconfig),
        )
      ).seconds;
    const kubectlDiff = async (kubeconfig?: string) =>
      (
        await runKubectl(context, ["diff", "--server-side", "-f", reducedFiles], {
          ...options(kubeconfig),
          okCodes: [1],
        })
      ).seconds;
    // kubectl diff takes minutes for the whole system, so it runs once, timed and counted through the proxy.
    const mooringPlanSamples: number[] = [];
    for (let index = 0; index < context.warmups + context.runs; index++) {
      const seconds = await mooringPlan();
      if (index >= context.warmups) mooringPlanSamples.push(seconds);
    }
    const planCounts = await countRequests(context, mooringPlan, kubectlDiff);
    const planSamples = { mooring: mooringPlanSamples, alternative: [planCounts.seconds.alternative] };

    // 3. Prune: each run starts from the whole system, restored unmeasured.
    const restore = async (side: "mooring" | "alternative") => {
      if (side === "mooring") await runMooring(context, whole.project, deployArguments(whole.project));
      else await runKubectl(context, ["apply", "-f", whole.files]);
    };
    const mooringPrune = async (kubeconfig?: string) =>
      (await runMooring(context, reduced, deployArguments(reduced), options(kubeconfig))).seconds;
    const kubectlPrune = async (kubeconfig?: string) =>
      (
        await runKubectl(
          context,
          ["apply", "--prune", "-l", PART_OF_SELECTOR, ...whitelist, "-f", reducedFiles],
          options(kubeconfig),
        )
      ).seconds;
    const pruneSamples = await alternate(
      context,
      "prune",
      { mooring: () => mooringPrune(), alternative: () => kubectlPrune() },
      restore,
    );
    const pruneCounts = await countRequests(context, mooringPrune, kubectlPrune, restore);
    await checkSameKinds(context, whole.namespaces, whitelist);

    return {
      alternative:
        "plan: `kubectl diff --server-side -f DIR`; prune: `kubectl apply --prune -l app.kubernetes.io/part-of=mooring --prune-whitelist KIND … -f DIR` (client-side apply), with DIR the reduced system's files",
      rows: [
        compareRow("plan: wall time", "s", planSamples),
        countRow("plan: reads", planCounts, "reads"),
        countRow("plan: dry-run writes", planCounts, "dryRuns"),
        compareRow(`prune ${removed} services: wall time`, "s", pruneSamples),
        countRow(`prune ${removed} services: reads`, pruneCounts, "reads"),
        countRow(`prune ${removed} services: writes`, pruneCounts, "writes"),
        countRow(`prune ${removed} services: dry-run writes`, pruneCounts, "dryRuns"),
      ],
      notes: [
        ...describeSystem(whole),
        `The last ${removed} services are removed from the system (their folders and their entries in the environment), so both tools delete ${(removed * (whole.objects - 1)) / context.services} objects; after the runs the bench checks that both namespaces hold the same number of objects of each kind.`,
        "kubectl diff in Kubernetes 1.20 shows no deletions, so the plan rows compare Mooring's whole plan with kubectl's view of the remaining objects only. kubectl diff takes minutes on the whole system, so its time is from one run, the one counted through the proxy.",
        "kubectl 1.20 prunes only objects that carry the `kubectl.kubernetes.io/last-applied-configuration` annotation, which server-side apply does not write, so `--prune` with `--server-side` deletes nothing; kubectl's side of this section therefore uses client-side apply, for the runs that restore the whole system too. It prunes by label and lists every kind it is given; its default list leaves out NetworkPolicy and PodDisruptionBudget, so the bench names each kind the system renders.",
        `Mooring's plan requests: ${describeCounts(planCounts.mooring)}.`,
        `Mooring's prune requests: ${describeCounts(pruneCounts.mooring)}.`,
        `kubectl's prune requests: ${describeCounts(pruneCounts.alternative)}.`,
      ],
    };
  },
};

// `--prune-whitelist` for each kind among the files but Namespace, as GROUP/VERSION/KIND (`core/v1/Service`).
async function pruneWhitelist(files: string): Promise<string[]> {
  const kinds = new Set<string>();
  for (const name of (await readdir(files)).filter((file) => file.endsWith(".yaml"))) {
    const object = parse(await readFile(join(files, name), "utf8")) as { apiVersion: string; kind: string };
    if (object.kind === "Namespace") continue;
    kinds.add(`${object.apiVersion.includes("/") ? "" : "core/"}${object.apiVersion}/${object.kind}`);
  }
  return [...kinds].sort().flatMap((kind) => ["--prune-whitelist", kind]);
}

// Checks that both namespaces contain as many objects of each pruned kind after the last prune.
// Mooring deletes in the foreground, so a pruned Deployment is listed until its ReplicaSets are
// gone. The check waits up to 60 s for the counts to agree.
async function checkSameKinds(
  context: BenchContext,
  namespaces: { mooring: string; kubectl: string },
  whitelist: string[],
): Promise<void> {
  const kinds = whitelist.filter((_, index) => index % 2 === 1).map((kind) => kind.split("/").at(-1) ?? "");
  const count = async (namespace: string) =>
    (await runKubectl(context, ["get", kinds.join(","), "--namespace", namespace, "-o", "name"])).stdout
      .split("\n")
      .filter((line) => line !== "").length;
  let counts = { mooring: 0, kubectl: 0 };
  for (let attempt = 0; attempt < 30; attempt++) {
    counts = { mooring: await count(namespaces.mooring), kubectl: await count(namespaces.kubectl) };
    if (counts.mooring === counts.kubectl) return;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error(
    `Prune results differ: 60 s after pruning, Mooring's namespace contains ${counts.mooring} objects of ${kinds.join(", ")} and kubectl's ${counts.kubectl}`,
  );
}
