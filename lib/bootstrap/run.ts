import type { Inventory, Machine } from "./inventory.ts";
import { mergeKubeconfig, readOptionalFile, writePrivateFile } from "./kubeconfig.ts";
import { MachineRunner, type StepFailure, type StepResult } from "./machine-runner.ts";
import { controlPlaneSteps, type JoinParameters, joinStep, machineSteps, QUERY_SCRIPTS } from "./scripts.ts";
import { HostKeyError, probe, runScript, type SshSettings } from "./ssh.ts";

/** Inputs of {@link bootstrap}: the inventory, the SSH settings and the run's options. */
export interface BootstrapOptions {
  inventory: Inventory;
  ssh: SshSettings;
  /** Check every step and report what would run, changing nothing. */
  plan: boolean;
  /** The kubeconfig file to merge the admin credentials into, and the context name a deploy selects in it. */
  kubeconfig: { path: string; context?: string };
  /** Prepare and join only these workers, such as a worker just added; the other machines are only read. */
  only?: string[];
  /** Seconds between checks while waiting for nodes to become Ready. */
  pollSeconds?: number;
  log: (line: string) => void;
}

/** The outcome of a bootstrap run. */
export interface BootstrapReport {
  plan: boolean;
  results: StepResult[];
  failures: StepFailure[];
  ok: boolean;
}

/**
 * Makes the inventory's machines a kubeadm cluster, or with `plan` reports
 * what that would change. Every step checks the machine first, so a second
 * run changes nothing. Machines are prepared in parallel, the control plane
 * is initialised before workers join, and one worker's failure leaves the
 * others to finish. Throws HostKeyError before any step when a host key is unknown.
 */
export async function bootstrap(options: BootstrapOptions): Promise<BootstrapReport> {
  const { inventory, plan } = options;
  const runner = new MachineRunner(options.ssh, inventory.stepTimeoutSeconds, plan, options.log);
  const controlPlane = inventory.controlPlane;
  const workers = selectWorkers(inventory, options.only);
  const touchControlPlane = options.only === undefined;

  // 1. Connect to every machine; an unknown host key stops the run here.
  await checkConnections([controlPlane, ...workers], options.ssh, inventory.stepTimeoutSeconds);

  // 2. Prepare the machines in parallel.
  const prepared = await Promise.all(
    [...(touchControlPlane ? [controlPlane] : []), ...workers].map(async (machine) => ({
      machine,
      ok: await runner.runSteps(machine, machineSteps(inventory, machine)),
    })),
  );
  const ready = new Set(prepared.filter((entry) => entry.ok).map((entry) => entry.machine.name));

  // 3. The control plane: kubeadm init, then the CNI.
  let controlPlaneOk = true;
  if (touchControlPlane) {
    const steps = controlPlaneSteps(inventory);
    controlPlaneOk = ready.has(controlPlane.name) && (await runner.runSteps(controlPlane, steps));
    if (!ready.has(controlPlane.name)) {
      for (const step of steps)
        runner.record(controlPlane.name, step.name, "skipped", "preparing the machine failed", 0);
    }
  }

  // 4. Join the workers that are not nodes yet.
  await joinWorkers(runner, inventory, workers, ready, controlPlaneOk, plan);

  // 5. Wait for every node but those that failed, then fetch the admin kubeconfig.
  if (controlPlaneOk) {
    const failed = new Set(runner.failures.map((failure) => failure.machine));
    const expected = [controlPlane, ...inventory.workers]
      .map((machine) => machine.name)
      .filter((name) => !failed.has(name));
    const nodesOk = await waitForNodes(runner, inventory, expected, plan, options.pollSeconds ?? 5);
    if (nodesOk) await fetchKubeconfig(runner, controlPlane, options.kubeconfig, plan);
  }

  return { plan, results: runner.results, failures: runner.failures, ok: runner.failures.length === 0 };
}

/**
 * Logs in to each machine in parallel without running a program there; throws
 * HostKeyError, or an error naming every machine that cannot be reached.
 */
export async function checkConnections(
  machines: Machine[],
  ssh: SshSettings,
  timeoutSeconds: number,
): Promise<void> {
  const outcomes = await Promise.allSettled(
    machines.map(async (machine) => {
      const result = await probe(machine, ssh, Math.min(timeoutSeconds, 60));
      if (result.code !== 0) {
        throw new Error(
          `cannot log in to '${machine.name}' (${machine.user}@${machine.address}:${machine.port}): ${result.stderr.trim() || `exit status ${result.code}`}. Check the address, the port and that the SSH key is authorized for the user.`,
        );
      }
    }),
  );
  const errors = outcomes.flatMap((outcome) =>
    outcome.status === "rejected" ? [outcome.reason as Error] : [],
  );
  const hostKey = errors.find((error) => error instanceof HostKeyError);
  if (hostKey !== undefined) throw hostKey;
  if (errors.length > 0) throw new Error(errors.map((error) => error.message).join("\n"));
}

/** Parses the output of `kubeadm token create --print-join-command`. */
export function parseJoinCommand(output: string): JoinParameters {
  const match = /kubeadm join (\S+) --token (\S+)\s+--discovery-token-ca-cert-hash (sha256:[0-9a-f]+)/.exec(
    output,
  );
  if (match === null) {
    throw new Error(
      "'kubeadm token create --print-join-command' printed no join command; expected 'kubeadm join ENDPOINT --token TOKEN --discovery-token-ca-cert-hash sha256:HASH'",
    );
  }
  return { endpoint: match[1] as string, token: match[2] as string, caCertHash: match[3] as string };
}

function selectWorkers(inventory: Inventory, only: string[] | undefined): Machine[] {
  if (only === undefined) return inventory.workers;
  const names = new Set(inventory.workers.map((worker) => worker.name));
  const unknown = only.filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `no worker named ${unknown.map((name) => `'${name}'`).join(", ")} in ${inventory.file}; expected one of ${[...names].map((name) => `'${name}'`).join(", ")}`,
    );
  }
  return inventory.workers.filter((worker) => only.includes(worker.name));
}

async function joinWorkers(
  runner: MachineRunner,
  inventory: Inventory,
  workers: Machine[],
  ready: Set<string>,
  controlPlaneOk: boolean,
  plan: boolean,
): Promise<void> {
  const candidates = workers.filter((worker) => ready.has(worker.name));
  for (const worker of workers.filter((worker) => !ready.has(worker.name))) {
    runner.record(worker.name, "kubeadm-join", "skipped", "preparing the machine failed", 0);
  }
  if (!controlPlaneOk) {
    for (const worker of candidates)
      runner.record(worker.name, "kubeadm-join", "skipped", "the control plane failed", 0);
    return;
  }
  if (candidates.length === 0) return;

  // Which workers the control plane already lists; each worker then reports whether it needs a join.
  const nodes = await runner.query(inventory.controlPlane, "list-nodes", QUERY_SCRIPTS.nodes);
  if (nodes === undefined) return;
  const registered = new Set(parseNodes(nodes).keys());
  const pending = await Promise.all(
    candidates.map(async (worker) => {
      const check = await runScript(
        worker,
        runner.ssh,
        joinStep(worker, registered.has(worker.name)).script,
        ["plan"],
        inventory.stepTimeoutSeconds,
      );
      return { worker, needed: check.code !== 0 || !check.stdout.includes("mooring-result: unchanged") };
    }),
  );
  const toJoin = pending.filter((entry) => entry.needed).map((entry) => entry.worker);
  for (const entry of pending.filter((entry) => !entry.needed)) {
    runner.record(entry.worker.name, "kubeadm-join", "unchanged", "", 0);
  }
  if (toJoin.length === 0) return;
  if (plan) {
    await Promise.all(
      toJoin.map((worker) => runner.runStep(worker, joinStep(worker, registered.has(worker.name)), "plan")),
    );
    return;
  }

  // A fresh token each run, because kubeadm's tokens expire after 24 hours.
  const joinOutput = await runner.query(inventory.controlPlane, "join-token", QUERY_SCRIPTS.joinCommand);
  if (joinOutput === undefined) return;
  const join = parseJoinCommand(joinOutput);
  runner.addSecret(join.token);
  await Promise.all(
    toJoin.map((worker) => runner.runStep(worker, joinStep(worker, registered.has(worker.name), join))),
  );
}

async function waitForNodes(
  runner: MachineRunner,
  inventory: Inventory,
  expected: string[],
  plan: boolean,
  pollSeconds: number,
): Promise<boolean> {
  const started = Date.now();
  const deadline = started + inventory.readyTimeoutSeconds * 1000;
  let first = true;
  for (;;) {
    const output = await runner.query(inventory.controlPlane, "nodes-ready", QUERY_SCRIPTS.nodes);
    if (output === undefined) return false;
    const nodes = parseNodes(output);
    const notReady = expected.filter((name) => nodes.get(name) !== "True");
    const seconds = (Date.now() - started) / 1000;
    if (notReady.length === 0) {
      runner.record(
        inventory.controlPlane.name,
        "nodes-ready",
        first ? "unchanged" : "changed",
        first ? "" : `all ${expected.length} nodes Ready after ${Math.round(seconds)} seconds`,
        seconds,
      );
      return true;
    }
    if (plan) {
      runner.record(
        inventory.controlPlane.name,
        "nodes-ready",
        "pending",
        `not Ready yet: ${notReady.join(", ")}`,
        0,
      );
      return true;
    }
    if (Date.now() >= deadline) {
      const reason = `timed out after ${inventory.readyTimeoutSeconds} seconds; not Ready: ${notReady.map((name) => `${name} (${nodes.get(name) === undefined ? "not registered" : `Ready=${nodes.get(name)}`})`).join(", ")}`;
      runner.record(inventory.controlPlane.name, "nodes-ready", "failed", reason, seconds);
      for (const name of notReady) {
        const machine = [inventory.controlPlane, ...inventory.workers].find(
          (candidate) => candidate.name === name,
        );
        if (machine !== undefined) await runner.fail(machine, "nodes-ready", `node '${name}' is not Ready`);
      }
      return false;
    }
    first = false;
    await new Promise((resolve) => setTimeout(resolve, pollSeconds * 1000));
  }
}

async function fetchKubeconfig(
  runner: MachineRunner,
  controlPlane: Machine,
  target: BootstrapOptions["kubeconfig"],
  plan: boolean,
): Promise<void> {
  const admin = await runner.query(controlPlane, "kubeconfig", QUERY_SCRIPTS.adminKubeconfig);
  if (admin === undefined) return;
  if (admin === "") {
    if (plan) {
      runner.record(
        controlPlane.name,
        "kubeconfig",
        "pending",
        `write the admin kubeconfig to ${target.path}`,
        0,
      );
    } else {
      runner.record(controlPlane.name, "kubeconfig", "failed", "/etc/kubernetes/admin.conf is missing", 0);
      await runner.fail(
        controlPlane,
        "kubeconfig",
        "/etc/kubernetes/admin.conf is missing on the control plane",
      );
    }
    return;
  }
  const existing = await readOptionalFile(target.path);
  const content = mergeKubeconfig(existing, admin, target.context);
  if (content === existing) {
    runner.record(controlPlane.name, "kubeconfig", "unchanged", "", 0);
    return;
  }
  if (plan) {
    runner.record(
      controlPlane.name,
      "kubeconfig",
      "pending",
      `write the admin kubeconfig to ${target.path}`,
      0,
    );
    return;
  }
  await writePrivateFile(target.path, content);
  runner.record(
    controlPlane.name,
    "kubeconfig",
    "changed",
    `wrote the admin kubeconfig to ${target.path} (mode 0600)`,
    0,
  );
}

// `name status` lines from the nodes query.
function parseNodes(output: string): Map<string, string> {
  const nodes = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [name, status] = line.trim().split(/\s+/);
    if (name) nodes.set(name, status ?? "Unknown");
  }
  return nodes;
}
