import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type Inventory, loadInventory, type Machine } from "./inventory.ts";
import { MachineRunner } from "./machine-runner.ts";
import { removeWorker } from "./remove.ts";
import { type BootstrapReport, bootstrap } from "./run.ts";
import { HostKeyError, type SshSettings } from "./ssh.ts";
import { type FakeFleet, startFleet } from "./testing/fake-hosts.ts";

const MANIFEST = "/srv/flannel/kube-flannel.yml";
const COMMON_STEPS = [
  "packages",
  "hold",
  "swap",
  "kernel-modules",
  "sysctl",
  "selinux",
  "cri-o",
  "firewall",
  "kubelet",
];

interface Context {
  fleet: FakeFleet;
  root: string;
  kubeconfig: string;
  ssh: SshSettings;
  log: string[];
}

const test = suite<Context>("bootstrap over sshd");

test.before(async (context) => {
  context.fleet = await startFleet(["cp", "w1", "w2"]);
  context.root = await mkdtemp(join(tmpdir(), "mooring-bootstrap-"));
  context.kubeconfig = join(context.root, "kube", "config");
  context.ssh = {
    knownHostsFile: await context.fleet.knownHosts(),
    identityFile: context.fleet.identityFile,
  };
  context.log = [];
});

test.after(async (context) => {
  await context.fleet.stop();
  await rm(context.root, { recursive: true, force: true });
});

test("plan on fresh machines changes nothing", async (context) => {
  const report = await run(context, await inventory(context, ["w1", "w2"]), { plan: true });

  assert.ok(report.ok, JSON.stringify(report.failures));
  for (const machine of ["w1", "w2"]) {
    assert.equal(stepsWith(report, machine, "pending"), [...COMMON_STEPS, "kubeadm-join"], machine);
  }
  assert.equal(stepsWith(report, "cp", "pending"), [
    ...COMMON_STEPS,
    "kubeadm-init",
    "cni",
    "nodes-ready",
    "kubeconfig",
  ]);
  assert.equal(await changes(context), []);
  assert.not.ok(await exists(context.kubeconfig));
});

test("unknown host key stops the run before any command", async (context) => {
  const callsBefore = await context.fleet.clusterCalls();
  const knownHostsFile = await context.fleet.knownHosts(["cp", "w1"]);

  const error = await run(context, await inventory(context, ["w1", "w2"]), {
    ssh: { ...context.ssh, knownHostsFile },
  }).catch((caught: Error) => caught);

  assert.instance(error, HostKeyError);
  assert.match((error as Error).message, "'w2'");
  assert.equal(await context.fleet.clusterCalls(), callsBefore);
});

test("changed host key stops the run before any command", async (context) => {
  const callsBefore = await context.fleet.clusterCalls();
  const knownHostsFile = join(context.root, "known_hosts-swapped");
  const lines = [...context.fleet.hosts.values()].map((host) => host.knownHostsLine);
  // cp's address and port with w1's key.
  const swapped = lines.map((line, index) =>
    index === 0 ? `${line.split(" ")[0]} ${lines[1]?.split(" ").slice(1).join(" ")}` : line,
  );
  await writeFile(knownHostsFile, `${swapped.join("\n")}\n`);

  const error = await run(context, await inventory(context, ["w1", "w2"]), {
    ssh: { ...context.ssh, knownHostsFile },
  }).catch((caught: Error) => caught);

  assert.instance(error, HostKeyError);
  assert.match((error as Error).message, "'cp'");
  assert.equal(await context.fleet.clusterCalls(), callsBefore);
});

test("first run performs every step in a valid order", async (context) => {
  const report = await run(context, await inventory(context, ["w1", "w2"]));

  assert.ok(report.ok, JSON.stringify(report.failures, null, 2));
  for (const machine of ["cp", "w1", "w2"]) {
    assert.equal(stepsWith(report, machine, "changed").slice(0, COMMON_STEPS.length), COMMON_STEPS, machine);
  }
  assert.equal(statusOf(report, "cp", "kubeadm-init"), "changed");
  assert.equal(statusOf(report, "cp", "cni"), "changed");
  assert.equal(statusOf(report, "w1", "kubeadm-join"), "changed");
  assert.equal(statusOf(report, "w2", "kubeadm-join"), "changed");
  assert.equal(statusOf(report, "cp", "kubeconfig"), "changed");

  // Order across machines: init before the CNI and before any join, one fresh token.
  const calls = await changes(context);
  const init = calls.indexOf("cp kubeadm init");
  assert.ok(init > 0);
  assert.ok(calls.indexOf("cp kubectl apply") > init);
  assert.ok(calls.indexOf("w1 kubeadm join") > init);
  assert.ok(calls.indexOf("w2 kubeadm join") > init);
  assert.equal(calls.filter((call) => call === "cp kubeadm token").length, 1);

  // Order on one machine: each step's change before the next step's.
  const w1 = calls.filter((call) => call.startsWith("w1 "));
  const order = [
    "w1 dnf install",
    "w1 dnf versionlock",
    "w1 swapoff",
    "w1 modprobe",
    "w1 sysctl --system",
    "w1 setenforce",
    "w1 systemctl restart",
    "w1 firewall-cmd --permanent",
    "w1 kubeadm join",
  ];
  const positions = order.map((call) => w1.findIndex((line) => line.startsWith(call)));
  assert.not.ok(positions.includes(-1), `missing one of ${order.join(", ")} in ${w1.join(", ")}`);
  assert.equal(
    [...positions].sort((a, b) => a - b),
    positions,
  );
  assert.equal(await readFile(join(context.fleet.clusterDirectory, "cni-manifest"), "utf8"), `${MANIFEST}\n`);
});

test("kubeadm init gets the advertise address, CIDR, CRI socket and preflight exceptions", async (context) => {
  const init = (await context.fleet.calls("cp")).find((call) => call.startsWith("change kubeadm init"));

  assert.equal(
    init,
    `change kubeadm init --apiserver-advertise-address=${context.fleet.hosts.get("cp")?.address} --pod-network-cidr=10.244.0.0/16 --cri-socket=unix:///var/run/crio/crio.sock --node-name=cp --ignore-preflight-errors=NumCPU,Mem`,
  );
});

test("admin kubeconfig is written with mode 0600, never logged", async (context) => {
  const file = await stat(context.kubeconfig);
  const content = await readFile(context.kubeconfig, "utf8");

  assert.is(file.mode & 0o777, 0o600);
  assert.match(content, "current-context: mooring-test");
  assert.match(content, "client-key-data: c2VjcmV0LWtleQ==");
  assert.not.ok(context.log.some((line) => line.includes("c2VjcmV0LWtleQ")));
  assert.not.ok(
    context.log.some((line) => line.includes("abcdef.")),
    "the join token was logged",
  );
});

test("second run changes nothing", async (context) => {
  const before = (await changes(context)).length;

  const report = await run(context, await inventory(context, ["w1", "w2"]));

  assert.ok(report.ok, JSON.stringify(report.failures, null, 2));
  assert.equal(
    report.results.filter((result) => result.status !== "unchanged"),
    [],
  );
  assert.is((await changes(context)).length, before);
});

test("failing join on a new worker is reported with diagnostics", async (context) => {
  const host = await context.fleet.addHost("w3");
  await writeFile(join(host.directory, "state", "fail-join"), "");
  context.ssh = { ...context.ssh, knownHostsFile: await context.fleet.knownHosts() };

  const report = await run(context, await inventory(context, ["w1", "w2", "w3"]));

  assert.not.ok(report.ok);
  assert.is(report.failures.length, 1);
  const [failure] = report.failures;
  assert.is(failure?.machine, "w3");
  assert.is(failure?.step, "kubeadm-join");
  assert.match(failure?.output ?? "", "timed out waiting for the condition");
  assert.match(failure?.diagnostics ?? "", "== journalctl -u kubelet -u crio");
  assert.match(failure?.diagnostics ?? "", "w3 kubelet[812]");
  assert.match(failure?.diagnostics ?? "", "== crictl ps -a");
  assert.equal(statusOf(report, "w1", "kubeadm-join"), "unchanged");
  assert.equal(statusOf(report, "w2", "kubeadm-join"), "unchanged");
  assert.equal(statusOf(report, "cp", "nodes-ready"), "unchanged");
  assert.equal(statusOf(report, "cp", "kubeconfig"), "unchanged");
});

test("half-joined worker is reset and joined, touching only it", async (context) => {
  await rm(join(context.fleet.directory, "hosts", "w3", "state", "fail-join"));
  const before = await changes(context);

  const report = await run(context, await inventory(context, ["w1", "w2", "w3"]), { only: ["w3"] });

  assert.ok(report.ok, JSON.stringify(report.failures, null, 2));
  assert.equal(statusOf(report, "w3", "kubeadm-join"), "changed");
  assert.match(
    report.results.find((result) => result.step === "kubeadm-join")?.reason ?? "",
    "did not finish",
  );
  const added = (await changes(context)).slice(before.length);
  assert.equal(added, ["cp kubeadm token", "w3 kubeadm reset", "w3 kubeadm join"]);
});

test("removing a worker drains, resets and deletes it", async (context) => {
  const inventoryWithW3 = await inventory(context, ["w1", "w2", "w3"]);
  const before = await changes(context);

  const report = await removeWorker({
    inventory: inventoryWithW3,
    ssh: context.ssh,
    name: "w3",
    plan: false,
    log: () => {},
  });
  const again = await removeWorker({
    inventory: inventoryWithW3,
    ssh: context.ssh,
    name: "w3",
    plan: false,
    log: () => {},
  });

  assert.ok(report.ok, JSON.stringify(report.failures, null, 2));
  assert.equal((await changes(context)).slice(before.length), [
    "cp kubectl drain",
    "w3 kubeadm reset",
    "cp kubectl delete",
  ]);
  assert.equal(
    again.results.map((result) => result.status),
    ["unchanged", "unchanged", "unchanged"],
  );
  assert.not.match(await readFile(join(context.fleet.clusterDirectory, "nodes"), "utf8"), "w3");
});

test("step over its timeout fails with diagnostics", async (context) => {
  const runner = new MachineRunner(context.ssh, 1, false, () => {});
  const machine = (await inventory(context, ["w1"])).workers[0] as Machine;
  const started = Date.now();

  const ok = await runner.runStep(machine, { name: "slow", description: "sleep", script: "sleep 30\n" });

  assert.not.ok(ok);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.equal(
    runner.results.map((result) => [result.step, result.status, result.reason]),
    [["slow", "failed", "timed out after 1 seconds"]],
  );
  assert.match(runner.failures[0]?.diagnostics ?? "", "== crictl ps -a");
});

test.run();

async function inventory(context: Context, workers: string[]): Promise<Inventory> {
  const address = (name: string) => context.fleet.hosts.get(name)?.address;
  const lines = [
    'kubernetesVersion: "1.32"',
    "ssh:",
    "  user: root",
    "controlPlane:",
    "  name: cp",
    `  address: ${address("cp")}`,
    "workers:",
    ...workers.flatMap((name) => [`  - name: ${name}`, `    address: ${address(name)}`]),
    "cni:",
    `  manifest: ${MANIFEST}`,
    "selinux: permissive",
    "stepTimeoutSeconds: 60",
    "readyTimeoutSeconds: 10",
  ];
  await mkdir(join(context.root, "clusters", "test"), { recursive: true });
  await writeFile(join(context.root, "clusters", "test", "machines.yaml"), `${lines.join("\n")}\n`);
  return loadInventory(context.root, "test");
}

function run(
  context: Context,
  inventory: Inventory,
  options: { plan?: boolean; ssh?: SshSettings; only?: string[] } = {},
): Promise<BootstrapReport> {
  return bootstrap({
    inventory,
    ssh: options.ssh ?? context.ssh,
    plan: options.plan ?? false,
    kubeconfig: { path: context.kubeconfig, context: "mooring-test" },
    only: options.only,
    pollSeconds: 0.1,
    log: (line) => context.log.push(line),
  });
}

// Every state-changing call on any host, as `HOST TOOL FIRST-ARGUMENT`.
async function changes(context: Context): Promise<string[]> {
  return (await context.fleet.clusterCalls())
    .map((line) => line.split(" "))
    .filter((words) => words[1] === "change")
    .map((words) => {
      const [host, , tool, first, second] = words;
      const detail = first?.startsWith("--kubeconfig") ? second : first;
      return tool === "kubectl" ||
        tool === "kubeadm" ||
        tool === "swapoff" ||
        tool === "modprobe" ||
        tool === "setenforce"
        ? `${host} ${tool} ${detail}`.replace(/ -a$| overlay$| br_netfilter$| 0$/, "")
        : `${host} ${tool} ${detail}`;
    });
}

function stepsWith(report: BootstrapReport, machine: string, status: string): string[] {
  return report.results
    .filter((result) => result.machine === machine && result.status === status)
    .map((result) => result.step);
}

function statusOf(report: BootstrapReport, machine: string, step: string): string | undefined {
  return report.results.find((result) => result.machine === machine && result.step === step)?.status;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
