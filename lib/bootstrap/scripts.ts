import type { Inventory, Machine } from "./inventory.ts";

/** The CRI socket CRI-O listens on. kubeadm gets it explicitly, so it never picks another runtime's socket. */
export const CRI_SOCKET = "unix:///var/run/crio/crio.sock";

/** The admin kubeconfig `kubeadm init` writes on the control plane. */
export const ADMIN_KUBECONFIG = "/etc/kubernetes/admin.conf";

/**
 * Preflight checks a 1 GB, 1 CPU machine fails: kubeadm's preflight rejects a
 * control plane with fewer than 2 CPUs (NumCPU) or less than 1700 MB of RAM
 * (Mem), as its error messages state. No other check is ignored.
 */
export const IGNORED_PREFLIGHT_ERRORS = ["NumCPU", "Mem"];

/** The last line a step script prints: the step's outcome and, unless unchanged, the reason. */
export const RESULT_PREFIX = "mooring-result:";

/** A step that one machine runs: a script that checks the machine's state and changes it when needed. */
export interface Step {
  name: string;
  /** Summary of the state the step ensures, for plans and reports. */
  description: string;
  /** Bash script; its first argument is `plan` (check only) or `apply`. */
  script: string;
}

/** Parameters of `kubeadm join`, from `kubeadm token create --print-join-command`. */
export interface JoinParameters {
  endpoint: string;
  token: string;
  caCertHash: string;
}

/** Fedora's versioned packages for a Kubernetes minor version, plus the CNI plugins flannel chains to. */
export function packagesFor(kubernetesVersion: string): string[] {
  return [
    `kubernetes${kubernetesVersion}`,
    `kubernetes${kubernetesVersion}-kubeadm`,
    `kubernetes${kubernetesVersion}-client`,
    `cri-o${kubernetesVersion}`,
    "containernetworking-plugins",
  ];
}

/**
 * Ports each role opens in firewalld. The control plane opens the API server (6443), etcd (2379-2380),
 * kubelet (10250), controller manager (10257) and scheduler (10259); a worker opens kubelet and the
 * NodePort range. Every machine opens 8472/udp for flannel's VXLAN.
 */
export function firewallPorts(role: Machine["role"]): string[] {
  const roleports =
    role === "control-plane"
      ? ["6443/tcp", "2379-2380/tcp", "10250/tcp", "10257/tcp", "10259/tcp"]
      : ["10250/tcp", "30000-32767/tcp"];
  return [...roleports, "8472/udp"];
}

/** Builds the steps that prepare any machine for Kubernetes, in order. */
export function machineSteps(inventory: Inventory, machine: Machine): Step[] {
  const packages = packagesFor(inventory.kubernetesVersion);
  const held = packages.filter((name) => name !== "containernetworking-plugins");
  const steps: Step[] = [
    {
      name: "packages",
      description: `install ${packages.join(", ")}`,
      script: stepScript(
        `missing=""
  for package in ${words(packages)}; do
    rpm -q --quiet "$package" || missing="$missing $package"
  done
  [ -z "$missing" ] || echo "not installed:$missing"`,
        `dnf install -y ${words(packages)}`,
      ),
    },
    {
      // NOTE: versionlock pins the installed patch release too, so a patch upgrade needs
      // 'dnf versionlock delete' first. The versioned package names already keep the minor
      // version. dnf5, Fedora 41's dnf, has the command (dnf5-versionlock(8)); this step
      // has run only against the simulated hosts, never on a real Fedora machine.
      name: "hold",
      description: `hold ${held.join(", ")} with dnf versionlock`,
      script: stepScript(
        `locks="$(dnf versionlock list 2>/dev/null || true)"
  missing=""
  for package in ${words(held)}; do
    grep -q "^$package-[0-9]" <<<"$locks" || missing="$missing $package"
  done
  [ -z "$missing" ] || echo "not held:$missing"`,
        `dnf versionlock add ${words(held)}`,
      ),
    },
    {
      name: "swap",
      description: "turn swap off, and remove Fedora's zram swap so it stays off after a reboot",
      script: stepScript(
        `if rpm -q --quiet zram-generator-defaults; then
    echo "zram-generator-defaults is installed, so zram swap returns at boot"
  elif grep -Eq '^[^#]\\S*\\s+\\S+\\s+swap\\s' /etc/fstab; then
    echo "/etc/fstab mounts swap"
  elif [ -n "$(swapon --show --noheadings)" ]; then
    echo "swap is on"
  fi`,
        `if rpm -q --quiet zram-generator-defaults; then
    dnf remove -y zram-generator-defaults
  fi
  sed -Ei 's/^([^#]\\S*\\s+\\S+\\s+swap\\s)/#\\1/' /etc/fstab
  swapoff -a`,
      ),
    },
    fileStep({
      name: "kernel-modules",
      description: "load overlay and br_netfilter now and at boot",
      path: "/etc/modules-load.d/k8s.conf",
      lines: ["overlay", "br_netfilter"],
      extraCheck: `for module in overlay br_netfilter; do
    lsmod | grep -q "^$module " || echo "module $module is not loaded"
  done`,
      apply: "modprobe overlay\n  modprobe br_netfilter",
    }),
    fileStep({
      name: "sysctl",
      description: "forward IPv4 and pass bridged traffic to iptables",
      path: "/etc/sysctl.d/k8s.conf",
      lines: [
        "net.bridge.bridge-nf-call-iptables = 1",
        "net.bridge.bridge-nf-call-ip6tables = 1",
        "net.ipv4.ip_forward = 1",
      ],
      extraCheck: `for key in net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.ip_forward; do
    [ "$(sysctl -n "$key")" = 1 ] || echo "$key is not 1"
  done`,
      apply: "sysctl --system",
    }),
  ];
  if (inventory.selinux === "permissive") {
    steps.push({
      name: "selinux",
      description: "set SELinux permissive now and after a reboot",
      script: stepScript(
        `if [ "$(getenforce)" = Enforcing ]; then
    echo "SELinux is enforcing"
  elif grep -q '^SELINUX=enforcing' /etc/selinux/config; then
    echo "/etc/selinux/config sets enforcing"
  fi`,
        `setenforce 0
  sed -i 's/^SELINUX=enforcing/SELINUX=permissive/' /etc/selinux/config`,
      ),
    });
  }
  steps.push(
    fileStep({
      name: "cri-o",
      description: "point CRI-O at the CNI plugins flannel uses, enable and start it",
      path: "/etc/crio/crio.conf.d/90-mooring.conf",
      // flannel's DaemonSet installs its plugin into /opt/cni/bin; Fedora's
      // containernetworking-plugins (bridge, portmap) live in /usr/libexec/cni.
      lines: ["[crio.network]", 'plugin_dirs = ["/opt/cni/bin", "/usr/libexec/cni"]'],
      extraCheck: `systemctl is-enabled --quiet crio || echo "crio is not enabled"
  systemctl is-active --quiet crio || echo "crio is not running"`,
      apply: "mkdir -p /opt/cni/bin\n  systemctl enable crio\n  systemctl restart crio",
    }),
    firewallStep(inventory, machine),
    {
      name: "kubelet",
      description: "enable kubelet, which kubeadm then configures and starts",
      script: stepScript(
        `systemctl is-enabled --quiet kubelet || echo "kubelet is not enabled"`,
        "systemctl enable kubelet",
      ),
    },
  );
  return steps;
}

/** Builds the steps that make the control plane: `kubeadm init`, then the CNI. */
export function controlPlaneSteps(inventory: Inventory): Step[] {
  const machine = inventory.controlPlane;
  const kubectl = `kubectl --kubeconfig=${ADMIN_KUBECONFIG}`;
  return [
    {
      name: "kubeadm-init",
      description: "create the cluster with kubeadm init",
      script: stepScript(
        `if [ ! -f ${ADMIN_KUBECONFIG} ]; then
    echo "no cluster yet: ${ADMIN_KUBECONFIG} is missing"
  fi`,
        `if [ -f /etc/kubernetes/manifests/kube-apiserver.yaml ]; then
    # A kubeadm init that stopped half-way leaves manifests that fail the next one's preflight.
    kubeadm reset -f --cri-socket=${CRI_SOCKET}
  fi
  kubeadm init --apiserver-advertise-address=${quote(machine.internalAddress)} \\
    --pod-network-cidr=${quote(inventory.podNetworkCidr)} \\
    --cri-socket=${CRI_SOCKET} \\
    --node-name=${quote(machine.name)} \\
    --ignore-preflight-errors=${IGNORED_PREFLIGHT_ERRORS.join(",")}`,
      ),
    },
    {
      name: "cni",
      description: `apply ${inventory.cni.plugin} from ${inventory.cni.manifest}`,
      script: stepScript(
        `${kubectl} get daemonset kube-flannel-ds --namespace=kube-flannel --output=name >/dev/null 2>&1 ||
    echo "flannel is not installed"`,
        `${kubectl} apply -f ${quote(inventory.cni.manifest)}`,
      ),
    },
  ];
}

/**
 * Builds the step that joins a worker. `registered` is whether the control
 * plane lists the node. `join` is needed only to apply.
 */
export function joinStep(machine: Machine, registered: boolean, join?: JoinParameters): Step {
  const joinCommand =
    join === undefined
      ? `echo "no join command was given" >&2
  return 1`
      : `kubeadm join ${quote(join.endpoint)} --token=${quote(join.token)} \\
    --discovery-token-ca-cert-hash=${quote(join.caCertHash)} \\
    --cri-socket=${CRI_SOCKET} \\
    --node-name=${quote(machine.name)}`;
  return {
    name: "kubeadm-join",
    description: "join the cluster with a fresh token",
    script: stepScript(
      `registered=${registered ? "yes" : "no"}
  if [ -f /etc/kubernetes/kubelet.conf ] && [ "$registered" = yes ]; then
    return 0
  fi
  if [ -f /etc/kubernetes/kubelet.conf ] || [ -f /etc/kubernetes/pki/ca.crt ] || [ -f /var/lib/kubelet/config.yaml ]; then
    echo "a previous join did not finish (the node is not registered); reset and join again"
  else
    echo "not joined"
  fi`,
      `if [ -f /etc/kubernetes/kubelet.conf ] || [ -f /etc/kubernetes/pki/ca.crt ] || [ -f /var/lib/kubelet/config.yaml ]; then
    kubeadm reset -f --cri-socket=${CRI_SOCKET}
  fi
  ${joinCommand}`,
      // After a join, the node registers itself a moment later; kubelet.conf is the local evidence.
      `[ -f /etc/kubernetes/kubelet.conf ] || echo "/etc/kubernetes/kubelet.conf is missing after kubeadm join"`,
    ),
  };
}

/** Read-only scripts the orchestrator runs on the control plane, and for diagnostics on any machine. */
export const QUERY_SCRIPTS = {
  /** Prints `name Ready-status` per node, nothing when there is no cluster yet. */
  nodes: `#!/usr/bin/env bash
set -euo pipefail
if [ -f ${ADMIN_KUBECONFIG} ]; then
  kubectl --kubeconfig=${ADMIN_KUBECONFIG} get nodes \\
    --output=jsonpath='{range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'
fi
`,
  /** Prints a fresh join command; each run creates a new token with kubeadm's 24-hour lifetime. */
  joinCommand: `#!/usr/bin/env bash
set -euo pipefail
kubeadm token create --print-join-command
`,
  /** Prints the admin kubeconfig, nothing when there is no cluster yet. */
  adminKubeconfig: `#!/usr/bin/env bash
set -euo pipefail
if [ -f ${ADMIN_KUBECONFIG} ]; then
  cat ${ADMIN_KUBECONFIG}
fi
`,
  /** Gathers what explains a failed step; each part may fail on its own. */
  diagnostics: `#!/usr/bin/env bash
set -uo pipefail
echo "== journalctl -u kubelet -u crio (last 200 lines)"
journalctl -u kubelet -u crio --no-pager --lines=200 2>&1
echo "== crictl ps -a"
crictl --runtime-endpoint=${CRI_SOCKET} ps -a 2>&1
`,
};

/** Builds the steps that remove a worker: drain and delete on the control plane, reset on the worker. */
export function removalScripts(machine: Machine): { drain: Step; reset: Step; deleteNode: Step } {
  const kubectl = `kubectl --kubeconfig=${ADMIN_KUBECONFIG}`;
  const name = quote(machine.name);
  return {
    drain: {
      name: "drain",
      description: `drain ${machine.name}`,
      script: stepScript(
        `node="$(${kubectl} get node ${name} --output=jsonpath='{.spec.unschedulable}' 2>/dev/null || echo absent)"
  if [ "$node" != absent ] && [ "$node" != true ]; then
    echo "the node is schedulable"
  fi`,
        `${kubectl} drain ${name} --ignore-daemonsets --delete-emptydir-data --timeout=300s`,
      ),
    },
    reset: {
      name: "kubeadm-reset",
      description: `reset kubeadm on ${machine.name}`,
      script: stepScript(
        `if [ -f /etc/kubernetes/kubelet.conf ] || [ -f /etc/kubernetes/pki/ca.crt ]; then
    echo "the machine is still set up as a node"
  fi`,
        `kubeadm reset -f --cri-socket=${CRI_SOCKET}`,
      ),
    },
    deleteNode: {
      name: "delete-node",
      description: `delete the node ${machine.name}`,
      script: stepScript(
        `if ${kubectl} get node ${name} --output=name >/dev/null 2>&1; then
    echo "the node is still registered"
  fi`,
        `${kubectl} delete node ${name}`,
      ),
    },
  };
}

/** Quotes a value for bash in single quotes. */
export function quote(value: string): string {
  return /^[A-Za-z0-9_.,:/=@%+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'"'"'`)}'`;
}

function words(values: string[]): string {
  return values.map(quote).join(" ");
}

// The frame of every step. `pending` prints why the step is needed, and
// nothing when it is done. `apply` does the work. `verify` checks that the
// work took effect, and is `pending` itself unless given.
function stepScript(pending: string, apply: string, verify?: string): string {
  return `#!/usr/bin/env bash
set -euo pipefail
mode="\${1:-apply}"

pending() {
  ${pending}
}

apply() {
  ${apply}
}

verify() {
  ${verify ?? "pending"}
}

reason="$(pending || true)"
if [ -z "$reason" ]; then
  echo "${RESULT_PREFIX} unchanged"
  exit 0
fi
if [ "$mode" = plan ]; then
  echo "${RESULT_PREFIX} pending \${reason//$'\\n'/; }"
  exit 0
fi
apply
left="$(verify || true)"
if [ -n "$left" ]; then
  echo "the step ran but did not take effect: \${left//$'\\n'/; }" >&2
  exit 1
fi
echo "${RESULT_PREFIX} changed \${reason//$'\\n'/; }"
`;
}

function fileStep(options: {
  name: string;
  description: string;
  path: string;
  lines: string[];
  extraCheck: string;
  apply: string;
}): Step {
  const content = `printf '%s\\n' ${options.lines.map((line) => `'${line.replaceAll("'", `'"'"'`)}'`).join(" ")}`;
  const directory = options.path.slice(0, options.path.lastIndexOf("/"));
  return {
    name: options.name,
    description: options.description,
    script: stepScript(
      `if [ "$(cat ${options.path} 2>/dev/null || true)" != "$(${content})" ]; then
    echo "${options.path} is missing or differs"
  fi
  ${options.extraCheck}`,
      `mkdir -p ${directory}
  ${content} >${options.path}
  ${options.apply}`,
    ),
  };
}

function firewallStep(inventory: Inventory, machine: Machine): Step {
  if (inventory.firewall === "disabled") {
    return {
      name: "firewall",
      description: "stop and disable firewalld",
      script: stepScript(
        `if systemctl is-enabled --quiet firewalld || systemctl is-active --quiet firewalld; then
    echo "firewalld is enabled or running"
  fi`,
        "systemctl disable --now firewalld",
      ),
    };
  }
  const ports = firewallPorts(machine.role);
  return {
    name: "firewall",
    description: `open ${ports.join(", ")} in firewalld`,
    script: stepScript(
      `if ! systemctl is-active --quiet firewalld; then
    echo "firewalld is not running"
    return 0
  fi
  open="$(firewall-cmd --permanent --list-ports)"
  missing=""
  for port in ${words(ports)}; do
    tr ' ' '\\n' <<<"$open" | grep -qx -- "$port" || missing="$missing $port"
  done
  [ -z "$missing" ] || echo "ports not open:$missing"`,
      `systemctl enable --now firewalld
  for port in ${words(ports)}; do
    firewall-cmd --permanent --add-port="$port"
  done
  firewall-cmd --reload`,
    ),
  };
}
