// Simulated Fedora hosts behind real sshd servers on 127.0.0.1, for the
// bootstrap's integration tests. Each host has its own sshd, host key and
// authorized_keys. Its login puts the fake tools first in PATH and mounts
// overlays on /etc, /var and /opt in a private mount namespace. The scripts
// then write the real paths, and the test machine's own files stay untouched.
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/** One simulated host and its sshd. */
export interface FakeHost {
  name: string;
  port: number;
  directory: string;
  /** `[127.0.0.1]:PORT TYPE KEY`, the known_hosts line for this host's key. */
  knownHostsLine: string;
  sshd: ChildProcess;
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

/** Starts a simulated Fedora host per name, each behind its own sshd on 127.0.0.1. */
export async function startFleet(names: string[]): Promise<FakeFleet> {
  const directory = await mkdtemp(join(tmpdir(), "mooring-fleet-"));
  const clusterDirectory = join(directory, "cluster");
  await mkdir(clusterDirectory);
  await writeFile(join(clusterDirectory, "nodes"), "");
  await writeFile(join(clusterDirectory, "calls.log"), "");
  const identityFile = join(directory, "client_key");
  await runCommand("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mooring-test", "-f", identityFile]);
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const hosts = new Map<string, FakeHost>();

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
      const host = await startHost(directory, clusterDirectory, identityFile, name);
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
      await Promise.all([...hosts.values()].map((host) => stopProcess(host.sshd)));
      await rm(directory, { recursive: true, force: true });
    },
  };
  for (const name of names) await fleet.addHost(name);
  return fleet;
}

async function startHost(
  base: string,
  clusterDirectory: string,
  identityFile: string,
  name: string,
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

  // sshd with its own host key, authorized_keys and port.
  const hostKey = join(directory, "host_key");
  await runCommand("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", hostKey]);
  await writeFile(join(directory, "authorized_keys"), await readFile(`${identityFile}.pub`, "utf8"));
  const port = await freePort();
  const config = join(directory, "sshd_config");
  await writeFile(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(directory, "authorized_keys")}`,
      `PidFile ${join(directory, "sshd.pid")}`,
      `ForceCommand ${login}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      // bash reads ~/.bashrc for a command sshd starts when SHLVL is below 2;
      // this machine's root .bashrc is slow, and a Fedora host's is not ours to test.
      "SetEnv SHLVL=1",
      "",
    ].join("\n"),
  );
  const sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let sshdLog = "";
  sshd.stderr?.on("data", (chunk: Buffer) => {
    sshdLog += chunk.toString();
  });
  await waitForPort(port, () => sshdLog);
  const [type, key] = (await readFile(`${hostKey}.pub`, "utf8")).trim().split(" ");
  return { name, port, directory, knownHostsLine: `[127.0.0.1]:${port} ${type} ${key}`, sshd };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function waitForPort(port: number, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.on("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 5 seconds:\n${log()}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on("close", () => resolve());
    child.kill("SIGTERM");
  });
}
