// Simulated Fedora hosts on the machines of the local cluster, for the
// bootstrap's integration tests. Each host is one machine (the control plane
// or a worker node), reached over SSH at the machine's address with the
// machine's own host key, the way bootstrap reaches real machines. The fleet
// adds its client key to the machine's sshd with a forced command: a login
// that puts the fake tools first in PATH and mounts overlays on /etc, /var
// and /opt in a private mount namespace. The scripts then write the real
// paths, and the machine's own files stay untouched.

import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { runCommand } from "../../process.ts";

const TOOL = join(import.meta.dirname, "fake-fedora-tool.sh");
const TOOLS = [
  "sudo",
  "rpm",
  "dnf",
  "swapon",
  "swapoff",
  "lsmod",
  "modprobe",
  "sysctl",
  "getenforce",
  "setenforce",
  "systemctl",
  "firewall-cmd",
  "journalctl",
  "crictl",
  "kubeadm",
  "kubectl",
];
const OVERLAID = ["etc", "var", "opt"];

/** Folder in which scripts/cluster/up.sh writes each machine's `address`, `host_key.pub` and key drop-ins. */
const MACHINES = "/run/mooring/machines";
const CONTROL_PLANE = "fedora-kubernetes-master";

/** One simulated host, on one machine of the local cluster. */
export interface FakeHost {
  name: string;
  /** The machine the host runs on, such as fedora-kubernetes-1. */
  machine: string;
  address: string;
  port: number;
  directory: string;
  /** `ADDRESS TYPE KEY`, the known_hosts line for the machine's host key. */
  knownHostsLine: string;
  /** The drop-in file that lets the fleet's key log in to this host. */
  keysFile: string;
}

/** Simulated hosts sharing one cluster state, with the client key that logs in to all of them. */
export interface FakeFleet {
  directory: string;
  clusterDirectory: string;
  identityFile: string;
  hosts: Map<string, FakeHost>;
  /** Writes a known_hosts file listing the given hosts (all when left out) and returns its path. */
  knownHosts(names?: string[]): Promise<string>;
  /** Starts one more host, such as a worker added later. */
  addHost(name: string): Promise<FakeHost>;
  /** Lines `KIND TOOL ARGS` the host's fake tools recorded, KIND being `change` or `read`. */
  calls(name: string): Promise<string[]>;
  /** Lines `HOST KIND TOOL ARGS` every host recorded, in order. */
  clusterCalls(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts a simulated Fedora host per name, each on its own machine of the
 * local cluster: the first on the control plane, the others on the worker
 * nodes in order. Fails when the cluster has fewer machines than names.
 */
export async function startFleet(names: string[]): Promise<FakeFleet> {
  const directory = await mkdtemp(join(tmpdir(), "mooring-fleet-"));
  const clusterDirectory = join(directory, "cluster");
  await mkdir(clusterDirectory);
  await writeFile(join(clusterDirectory, "nodes"), "");
  await writeFile(join(clusterDirectory, "calls.log"), "");
  const identityFile = join(directory, "client_key");
  await runCommand("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mooring-test", "-f", identityFile]);
  const hosts = new Map<string, FakeHost>();
  const machines = await listMachines();

  const fleet: FakeFleet = {
    directory,
    clusterDirectory,
    identityFile,
    hosts,
    async knownHosts(selected = [...hosts.keys()]) {
      const path = join(directory, `known_hosts-${selected.join("-") || "empty"}`);
      const lines = selected.map((name) => hosts.get(name)?.knownHostsLine ?? "");
      await writeFile(path, `${lines.join("\n")}\n`);
      return path;
    },
    async addHost(name) {
      const machine = machines[hosts.size];
      if (machine === undefined) {
        throw new Error(
          `The fleet needs a machine for host ${name}, but the local cluster has only ${machines.length}; ` +
            "start it with its three worker nodes: npm run cluster:up",
        );
      }
      const host = await startHost(directory, clusterDirectory, identityFile, name, machine);
      hosts.set(name, host);
      return host;
    },
    async calls(name) {
      const text = await readFile(join(directory, "hosts", name, "calls.log"), "utf8").catch(() => "");
      return text.split("\n").filter((line) => line !== "");
    },
    async clusterCalls() {
      const text = await readFile(join(clusterDirectory, "calls.log"), "utf8");
      return text.split("\n").filter((line) => line !== "");
    },
    async stop() {
      await Promise.all([...hosts.values()].map((host) => rm(host.keysFile, { force: true })));
      await rm(directory, { recursive: true, force: true });
    },
  };
  for (const name of names) await fleet.addHost(name);
  return fleet;
}

/** Lists the local cluster's machines: the control plane first, then the worker nodes by number. */
async function listMachines(): Promise<string[]> {
  const names = await readdir(MACHINES).catch(() => [] as string[]);
  const nodes = names
    .filter((name) => name !== CONTROL_PLANE)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return names.includes(CONTROL_PLANE) ? [CONTROL_PLANE, ...nodes] : nodes;
}

async function startHost(
  base: string,
  clusterDirectory: string,
  identityFile: string,
  name: string,
  machine: string,
): Promise<FakeHost> {
  const directory = join(base, "hosts", name);
  const state = join(directory, "state");
  const bin = join(directory, "bin");
  await mkdir(state, { recursive: true });
  await mkdir(bin);
  for (const tool of TOOLS) await symlink(TOOL, join(bin, tool));
  for (const folder of OVERLAID) {
    await mkdir(join(directory, `${folder}-upper`));
    await mkdir(join(directory, `${folder}-work`));
  }

  // A fresh Fedora 41 machine: zram swap on, firewalld running, SELinux enforcing.
  await writeFile(join(state, "packages"), "zram-generator-defaults\nfirewalld\n");
  await writeFile(join(state, "swap-on"), "");
  await writeFile(join(state, "enabled"), "firewalld\n");
  await writeFile(join(state, "active"), "firewalld\n");
  await writeFile(join(state, "selinux"), "Enforcing\n");
  await mkdir(join(directory, "etc-upper", "selinux"));
  await writeFile(
    join(directory, "etc-upper", "selinux", "config"),
    "SELINUX=enforcing\nSELINUXTYPE=targeted\n",
  );
  await writeFile(join(directory, "calls.log"), "");

  // The login: a private mount namespace with overlays, the fake tools first in PATH.
  const login = join(directory, "login.sh");
  const mounts = OVERLAID.map(
    (folder) =>
      `mount -t overlay overlay -o "lowerdir=/${folder},upperdir=$HOST_DIR/${folder}-upper,workdir=$HOST_DIR/${folder}-work" /${folder}`,
  ).join("\n");
  await writeFile(
    login,
    `#!/usr/bin/env bash
export HOST_DIR='${directory}' CLUSTER_DIR='${clusterDirectory}'
exec unshare --mount bash -c '
set -e
${mounts}
export PATH="$HOST_DIR/bin:/usr/sbin:/usr/bin:/sbin:/bin"
exec bash -c "$SSH_ORIGINAL_COMMAND"'
`,
  );
  await chmod(login, 0o755);

  // The machine's sshd reads the keys in this drop-in; the forced command is the login.
  const clientKey = (await readFile(`${identityFile}.pub`, "utf8")).trim();
  const keysFile = join(MACHINES, machine, "authorized_keys.d", `${basename(base)}-${name}.keys`);
  await writeFile(
    keysFile,
    `command="${login}",no-port-forwarding,no-agent-forwarding,no-X11-forwarding ${clientKey}\n`,
    { mode: 0o644 },
  );
  const address = (await readFile(join(MACHINES, machine, "address"), "utf8")).trim();
  const [type, key] = (await readFile(join(MACHINES, machine, "host_key.pub"), "utf8")).trim().split(" ");
  return {
    name,
    machine,
    address,
    port: 22,
    directory,
    knownHostsLine: `${address} ${type} ${key}`,
    keysFile,
  };
}
