// No-op deploy: the synthetic system is deployed, nothing changed, and each
// tool deploys it again. Wall time, then the API requests of one more run
// of each side through the counting proxy.
import { join } from "node:path";
import { CountingProxy, type RequestCounts } from "./api-proxy.ts";
import {
  alternate,
  type BenchContext,
  compareRow,
  type Row,
  ratioAtMost,
  type Section,
  valueAtMost,
} from "./harness.ts";
import { runKubectl, runMooring } from "./project.ts";
import { type DeployedSystem, deployArguments, deploySystem } from "./system.ts";

/** Reads per object kind that still count as "a few". */
const READS_PER_KIND = 3;

export const noopSection: Section = {
  name: "noop",
  title: "No-op deploy",
  async run(context) {
    // 1. Both sides deployed once.
    const system = await deploySystem(context, "noop");
    const mooring = async (kubeconfig?: string) => {
      const run = await runMooring(
        context,
        system.project,
        deployArguments(system.project),
        kubeconfig ? { kubeconfig } : {},
      );
      if (!run.stdout.includes("nothing to change")) {
        throw new Error(
          `mooring deploy changed something on a deploy with nothing changed:\n${run.stdout.slice(0, 2000)}`,
        );
      }
      return run.seconds;
    };
    const kubectl = async (kubeconfig?: string) =>
      (
        await runKubectl(
          context,
          ["apply", "--server-side", "-f", system.files],
          kubeconfig ? { kubeconfig } : {},
        )
      ).seconds;

    // 2. Wall time.
    const samples = await alternate(context, "no-op deploy", {
      mooring: () => mooring(),
      alternative: () => kubectl(),
    });

    // 3. Requests of one run each through the counting proxy; kubectl's discovery cache for it is warmed first.
    const counts = await countRequests(context, mooring, kubectl);
    const kinds = system.kinds.length;
    const rows: Row[] = [
      compareRow("wall time", "s", samples, ratioAtMost(0.5, "at most half of kubectl's time")),
      countRow(
        "reads (get, list, watch, discovery)",
        counts,
        "reads",
        valueAtMost(
          READS_PER_KIND * kinds,
          `at most ${READS_PER_KIND} per object kind (${READS_PER_KIND * kinds})`,
        ),
      ),
      countRow("writes", counts, "writes", valueAtMost(0, "no write")),
      countRow("dry-run writes", counts, "dryRuns"),
    ];
    return {
      alternative:
        "`kubectl apply --server-side -f DIR` of the same objects rendered one per file, into a namespace of its own",
      rows,
      notes: [
        ...describeSystem(system),
        `Requests are counted by a proxy on 127.0.0.1 in front of the API server, in one extra run of each side after the timed ones; kubectl's discovery cache was warm, as for a user who ran it before.`,
        `Mooring's requests: ${describeCounts(counts.mooring)}.`,
        `kubectl's requests: ${describeCounts(counts.alternative)}.`,
      ],
      tried:
        "The plan lists each kind once instead of reading every object, and an object that Mooring last applied exactly as rendered now is compared with the live one without a dry-run. The status after the deploy lists Deployments and pods once instead of reading them per service. The CLI runs one bundle of lib/ instead of compiling each module with tsx.",
    };
  },
};

/** The counts of both sides' runs, and what each run returned, such as its seconds. */
export interface CountedRuns {
  mooring: RequestCounts;
  alternative: RequestCounts;
  seconds: { mooring: number; alternative: number };
}

/**
 * Runs each side once through a counting proxy and returns what each side
 * requested. kubectl's discovery cache for the proxy's address is warmed
 * first, uncounted. `prepare` runs before each side's run, uncounted.
 */
export async function countRequests(
  context: BenchContext,
  mooring: (kubeconfig: string) => Promise<number>,
  alternative: (kubeconfig: string) => Promise<number>,
  prepare: (side: "mooring" | "alternative") => Promise<void> = async () => {},
): Promise<CountedRuns> {
  const proxy = await CountingProxy.start(
    context.kubeconfig,
    join(context.work, `proxy-${Date.now()}.kubeconfig`),
  );
  try {
    await runKubectl(context, ["api-resources"], { kubeconfig: proxy.kubeconfig });
    await prepare("mooring");
    proxy.take();
    const mooringSeconds = await mooring(proxy.kubeconfig);
    const mooringCounts = proxy.take();
    await prepare("alternative");
    proxy.take();
    const alternativeSeconds = await alternative(proxy.kubeconfig);
    return {
      mooring: mooringCounts,
      alternative: proxy.take(),
      seconds: { mooring: mooringSeconds, alternative: alternativeSeconds },
    };
  } finally {
    await proxy.close();
  }
}

/** Builds a row from one count of both sides. */
export function countRow(
  measure: string,
  counts: CountedRuns,
  field: "reads" | "writes" | "dryRuns",
  aim?: Parameters<typeof compareRow>[3],
): Row {
  return compareRow(
    measure,
    "requests",
    { mooring: [counts.mooring[field]], alternative: [counts.alternative[field]] },
    aim,
  );
}

/** Lists the requests by verb and resource, most frequent first. */
export function describeCounts(counts: RequestCounts): string {
  const entries = Object.entries(counts.byResource).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return "none";
  return entries.map(([key, count]) => `${count} × ${key}`).join(", ");
}

/** Describes the deployed system for the notes. */
export function describeSystem(system: DeployedSystem): string[] {
  return [
    `The system: ${system.project.services.length} services with 0 replicas each, so that no pod starts, giving ${system.objects} objects of ${system.kinds.length} kinds (${system.kinds.join(", ")}).`,
  ];
}
