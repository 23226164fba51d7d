import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Inventory, Machine } from "./inventory.ts";
import {
  controlPlaneSteps,
  firewallPorts,
  joinStep,
  machineSteps,
  packagesFor,
  QUERY_SCRIPTS,
  quote,
  removalScripts,
} from "./scripts.ts";

const CONTROL_PLANE: Machine = {
  name: "cp",
  role: "control-plane",
  address: "192.168.10.10",
  internalAddress: "192.168.10.10",
  user: "fedora",
  port: 22,
};
const WORKER: Machine = { ...CONTROL_PLANE, name: "worker-1", role: "worker", address: "192.168.10.11" };
const INVENTORY: Inventory = {
  file: "clusters/staging/machines.yaml",
  kubernetesVersion: "1.32",
  controlPlane: CONTROL_PLANE,
  workers: [WORKER],
  podNetworkCidr: "10.244.0.0/16",
  cni: { plugin: "flannel", manifest: "https://example.com/kube-flannel.yml" },
  firewall: "firewalld",
  selinux: "enforcing",
  stepTimeoutSeconds: 600,
  readyTimeoutSeconds: 300,
};
const JOIN = { endpoint: "192.168.10.10:6443", token: "abcdef.0123456789abcdef", caCertHash: "sha256:0123" };

// Every script Mooring can send, under every setting that changes a script.
function everyScript(): { name: string; script: string }[] {
  const variants: Inventory[] = [INVENTORY, { ...INVENTORY, firewall: "disabled", selinux: "permissive" }];
  const steps = variants.flatMap((inventory) => [
    ...machineSteps(inventory, CONTROL_PLANE),
    ...machineSteps(inventory, WORKER),
    ...controlPlaneSteps(inventory),
  ]);
  steps.push(joinStep(WORKER, false), joinStep(WORKER, true, JOIN), ...Object.values(removalScripts(WORKER)));
  return [
    ...steps.map((step) => ({ name: step.name, script: step.script })),
    ...Object.entries(QUERY_SCRIPTS).map(([name, script]) => ({ name, script })),
  ];
}

const scriptsSuite = suite("generated scripts");

scriptsSuite("every script passes shellcheck", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mooring-scripts-"));
  try {
    const files: string[] = [];
    for (const [index, { name, script }] of everyScript().entries()) {
      const file = join(folder, `${index}-${name}.sh`);
      await writeFile(file, script);
      files.push(file);
    }
    const result = spawnSync("shellcheck", ["--shell=bash", "--severity=style", ...files], {
      encoding: "utf8",
    });
    assert.is(result.stdout, "");
    assert.is(result.status, 0);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

scriptsSuite("fake host tool passes shellcheck", () => {
  const tool = join(import.meta.dirname, "testing", "fake-fedora-tool.sh");
  const result = spawnSync("shellcheck", ["--severity=style", tool], { encoding: "utf8" });

  assert.is(result.stdout, "");
  assert.is(result.status, 0);
});

scriptsSuite("machine steps run in a fixed order", () => {
  assert.equal(
    machineSteps(INVENTORY, WORKER).map((step) => step.name),
    ["packages", "hold", "swap", "kernel-modules", "sysctl", "cri-o", "firewall", "kubelet"],
  );
  assert.equal(
    machineSteps({ ...INVENTORY, selinux: "permissive" }, WORKER).map((step) => step.name),
    ["packages", "hold", "swap", "kernel-modules", "sysctl", "selinux", "cri-o", "firewall", "kubelet"],
  );
});

scriptsSuite("packages are versioned by the minor version", () => {
  assert.equal(packagesFor("1.31"), [
    "kubernetes1.31",
    "kubernetes1.31-kubeadm",
    "kubernetes1.31-client",
    "cri-o1.31",
    "containernetworking-plugins",
  ]);
});

scriptsSuite("firewall ports depend on the role", () => {
  assert.equal(firewallPorts("control-plane"), [
    "6443/tcp",
    "2379-2380/tcp",
    "10250/tcp",
    "10257/tcp",
    "10259/tcp",
    "8472/udp",
  ]);
  assert.equal(firewallPorts("worker"), ["10250/tcp", "30000-32767/tcp", "8472/udp"]);
});

scriptsSuite("kubeadm init names what a 1 GB machine needs ignored", () => {
  const init = controlPlaneSteps(INVENTORY)[0]?.script ?? "";

  assert.match(init, "--apiserver-advertise-address=192.168.10.10");
  assert.match(init, "--pod-network-cidr=10.244.0.0/16");
  assert.match(init, "--cri-socket=unix:///var/run/crio/crio.sock");
  assert.match(init, "--ignore-preflight-errors=NumCPU,Mem\n");
});

scriptsSuite("join without parameters fails instead of guessing", () => {
  const script = joinStep(WORKER, false).script;

  assert.match(script, 'echo "no join command was given" >&2');
  assert.not.match(script, /^\s*kubeadm join/m);
});

scriptsSuite("quote leaves plain words and quotes the rest", () => {
  assert.is(quote("10.244.0.0/16"), "10.244.0.0/16");
  assert.is(quote("a b"), "'a b'");
  assert.is(quote("it's"), `'it'"'"'s'`);
  assert.is(quote("$(reboot)"), "'$(reboot)'");
});

scriptsSuite.run();
