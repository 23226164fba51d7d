// The local cluster itself: how long `up` takes to bring the control plane
// and three worker nodes from stopped to Ready, and how much memory each
// machine's processes use once the demo's services run. There is no
// alternative on this machine to compare with (no Docker engine for kind, no
// k3s package), so the rows are Mooring's alone.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BenchContext, runTimed, type Section, soloRow } from "./harness.ts";

const RUN_DIR = "/run/mooring";

/** Resident memory of a process in KiB, or 0 when it has exited. */
async function residentKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
}

/** PIDs recorded in the `*.pid` files of `folder`, by component name. */
async function recordedPids(folder: string): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names.filter((file) => file.endsWith(".pid"))) {
    const pid = Number((await readFile(join(folder, name), "utf8")).trim());
    if (Number.isInteger(pid) && pid > 0) pids.set(name.slice(0, -".pid".length), pid);
  }
  return pids;
}

/** Sums the resident memory of every process that descends from a containerd shim: the pods. */
async function podsKiB(): Promise<{ kib: number; processes: number }> {
  const { stdout } = await runTimed("ps", ["-e", "-o", "pid=,ppid=,rss=,comm="]);
  const rows = stdout
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, ppid, rss, comm]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      rss: Number(rss),
      comm: comm ?? "",
    }));
  const byPid = new Map(rows.map((row) => [row.pid, row]));
  const underShim = (pid: number): boolean => {
    for (let row = byPid.get(pid); row !== undefined; row = byPid.get(row.ppid)) {
      const parent = byPid.get(row.ppid);
      if (parent?.comm.startsWith("containerd-shim")) return true;
    }
    return false;
  };
  const pods = rows.filter((row) => underShim(row.pid));
  return { kib: pods.reduce((sum, row) => sum + row.rss, 0), processes: pods.length };
}

/**
 * Waits until every pod in the cluster is running and ready and none is being
 * deleted. The processes under the containerd shims must also be exactly the
 * pods' pause and container processes. Returns the number of pods.
 */
async function waitForSteadyPods(context: BenchContext): Promise<number> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { stdout } = await runTimed(context.kubectl, [
      "--kubeconfig",
      context.kubeconfig,
      "get",
      "pods",
      "--all-namespaces",
      "-o",
      "json",
    ]);
    const pods = (JSON.parse(stdout) as { items: PodSummary[] }).items;
    const steady = pods.every(
      (pod) =>
        pod.metadata.deletionTimestamp === undefined &&
        pod.status.phase === "Running" &&
        (pod.status.containerStatuses ?? []).every((container) => container.ready),
    );
    // Each pod runs a pause process and one per container. More means a preStop hook
    // still runs; fewer means kubelet has not started every container since `up`.
    const expected = pods.reduce((sum, pod) => sum + 1 + (pod.status.containerStatuses ?? []).length, 0);
    if (steady && (await podsKiB()).processes === expected) return pods.length;
    if (Date.now() > deadline) throw new Error("pods did not settle within 180 s after the demo's deploy");
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** The fields of a pod that waitForSteadyPods reads. */
interface PodSummary {
  metadata: { deletionTimestamp?: string };
  status: { phase?: string; containerStatuses?: { ready: boolean }[] };
}

const CONTROL_PLANE = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "registry",
  "registry-forward",
  "kube-apiserver-forward",
];
const NODE_COMPONENTS = ["containerd", "kubelet", "kube-proxy", "sshd"];

async function sumKiB(pids: Map<string, number>, names: string[]): Promise<number> {
  let total = 0;
  for (const name of names) {
    const pid = pids.get(name);
    if (pid !== undefined) total += await residentKiB(pid);
  }
  return total;
}

export const clusterSection: Section = {
  name: "cluster",
  title: "The local cluster: start-up and memory",
  async run(context) {
    // 1. Start-up: from stopped (binaries built, images in the registry) to every node Ready.
    const startups: number[] = [];
    const runs = context.quick ? 1 : 2;
    for (let index = 0; index < runs; index++) {
      await runTimed("bash", [join(context.root, "scripts/cluster/down.sh")]);
      const up = await runTimed("bash", [join(context.root, "scripts/cluster/up.sh")]);
      context.log(`cluster: up took ${up.seconds.toFixed(1)} s`);
      startups.push(up.seconds);
    }

    // 2. The demo's services, so that memory is measured with pods running, once
    //    no pod is starting or terminating (a terminating pod runs its preStop hook).
    await runTimed("npx", ["mooring", "deploy", "--env", "local"], { cwd: context.root });
    const podCount = await waitForSteadyPods(context);

    // 3. Memory by machine, from the PIDs that up.sh recorded.
    const controlPlanePids = await recordedPids(RUN_DIR);
    const controlPlaneKiB = await sumKiB(controlPlanePids, CONTROL_PLANE);
    const ownNodeKiB = await sumKiB(controlPlanePids, NODE_COMPONENTS);
    const nodes = (await readdir(join(RUN_DIR, "nodes")).catch(() => [] as string[])).sort();
    const nodeKiB: number[] = [];
    for (const node of nodes) {
      nodeKiB.push(await sumKiB(await recordedPids(join(RUN_DIR, "nodes", node)), NODE_COMPONENTS));
    }
    const pods = await podsKiB();
    context.log(`cluster: ${podCount} pods, ${pods.processes} processes`);
    const toMiB = (kib: number) => kib / 1024;
    const totalKiB = controlPlaneKiB + ownNodeKiB + nodeKiB.reduce((sum, kib) => sum + kib, 0) + pods.kib;

    return {
      alternative: "none on this machine (no Docker engine for kind, no k3s package)",
      rows: [
        soloRow("start-up from stopped to every node Ready (`up.sh`)", "s", startups),
        soloRow("control plane: etcd, API server, controller manager, scheduler, registry", "MiB", [
          toMiB(controlPlaneKiB),
        ]),
        soloRow("the control plane's own node: containerd, kubelet, kube-proxy, sshd", "MiB", [
          toMiB(ownNodeKiB),
        ]),
        soloRow(
          `each worker node (median of ${nodes.length}): containerd, kubelet, kube-proxy, sshd`,
          "MiB",
          nodeKiB.map(toMiB),
        ),
        soloRow(`pods (${podCount} pods in all namespaces, ${pods.processes} processes)`, "MiB", [
          toMiB(pods.kib),
        ]),
        soloRow("whole cluster", "MiB", [toMiB(totalKiB)]),
      ],
      notes: [
        `Start-up runs \`scripts/cluster/down.sh\`, then times \`scripts/cluster/up.sh\` until the control plane and ${nodes.length} worker nodes are Ready, ${runs} time(s). Binaries are cached and images are in the registry, so no build or pull is timed.`,
        "Memory is the resident set size (VmRSS) of each process, measured after the demo's deploy once every pod is running and ready and none is terminating; pages shared between processes count once per process, so the sums overstate the memory in use.",
      ],
    };
  },
};
