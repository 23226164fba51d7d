import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";

const scripts = join(import.meta.dirname);
const cluster = suite("local cluster scripts");

function runScript(name: string): { status: number | null; output: string } {
  const result = spawnSync("bash", [join(scripts, name)], { encoding: "utf8", timeout: 10 * 60 * 1000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// Reads `component  ok (pid N)` lines from check.sh into component → PID.
function runningPids(output: string): Record<string, string> {
  const pids: Record<string, string> = {};
  for (const match of output.matchAll(/^(\S+)\s+ok \(pid (\d+)\)$/gm)) {
    pids[match[1] ?? ""] = match[2] ?? "";
  }
  return pids;
}

cluster("check reports every part ok", () => {
  const { status, output } = runScript("check.sh");
  assert.is(status, 0, output);
  assert.not.match(output, /not running|not ready|not Ready|missing/);
  const nodeComponents = [1, 2, 3].flatMap((index) =>
    ["containerd", "kube-proxy", "kubelet", "sshd"].map(
      (component) => `nodes/fedora-kubernetes-${index}/${component}`,
    ),
  );
  assert.equal(
    Object.keys(runningPids(output)).sort(),
    [
      "containerd",
      "etcd",
      "kube-apiserver",
      "kube-apiserver-forward",
      "kube-controller-manager",
      "kube-proxy",
      "kube-scheduler",
      "kubelet",
      "registry",
      "registry-forward",
      "sshd",
      ...nodeComponents,
    ].sort(),
  );
  for (const node of [
    "fedora-kubernetes-master",
    "fedora-kubernetes-1",
    "fedora-kubernetes-2",
    "fedora-kubernetes-3",
  ]) {
    assert.match(output, new RegExp(`^node ${node}\\s+ok \\(Ready\\)$`, "m"));
  }
});

cluster("up again restarts nothing", () => {
  const before = runningPids(runScript("check.sh").output);
  const up = runScript("up.sh");
  assert.is(up.status, 0, up.output);
  assert.not.match(up.output, /starting /);
  assert.equal(runningPids(runScript("check.sh").output), before);
});

cluster.run();
