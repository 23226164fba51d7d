import type { Inventory } from "./inventory.ts";
import { MachineRunner } from "./machine-runner.ts";
import type { BootstrapReport } from "./run.ts";
import { checkConnections } from "./run.ts";
import { removalScripts } from "./scripts.ts";
import type { SshSettings } from "./ssh.ts";

/**
 * Removes worker `name` from the cluster: drains it, resets kubeadm on it and
 * deletes its node. Each step checks first, so running it again changes
 * nothing. The machine stays in the inventory until the user deletes it there.
 */
export async function removeWorker(options: {
  inventory: Inventory;
  ssh: SshSettings;
  name: string;
  plan: boolean;
  log: (line: string) => void;
}): Promise<BootstrapReport> {
  const { inventory, plan } = options;
  const worker = inventory.workers.find((candidate) => candidate.name === options.name);
  if (worker === undefined) {
    throw new Error(
      `no worker named '${options.name}' in ${inventory.file}; a worker must stay listed there until it is removed, so that Mooring can reach it`,
    );
  }
  const runner = new MachineRunner(options.ssh, inventory.stepTimeoutSeconds, plan, options.log);
  const controlPlane = inventory.controlPlane;
  const steps = removalScripts(worker);

  // 1. Connect to both machines; an unknown host key stops the run here.
  await checkConnections([controlPlane, worker], options.ssh, inventory.stepTimeoutSeconds);

  // 2. Drain on the control plane, reset the worker, delete the node.
  const ok =
    (await runner.runStep(controlPlane, steps.drain)) &&
    (await runner.runStep(worker, steps.reset)) &&
    (await runner.runStep(controlPlane, steps.deleteNode));
  if (ok && !plan) {
    options.log(
      `Worker '${worker.name}' is removed; delete it from ${inventory.file} so the next bootstrap does not join it again.`,
    );
  }
  return { plan, results: runner.results, failures: runner.failures, ok: runner.failures.length === 0 };
}
