import { suite } from "uvu";
import * as assert from "uvu/assert";
import { formatOutcome, formatSummary } from "./report.ts";
import { type BootstrapReport, parseJoinCommand } from "./run.ts";

const parseJoinCommandSuite = suite("parseJoinCommand");

parseJoinCommandSuite("reads endpoint, token and CA hash", () => {
  const output =
    "kubeadm join 192.168.10.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:5f3c0a9e \n";

  assert.equal(parseJoinCommand(output), {
    endpoint: "192.168.10.10:6443",
    token: "abcdef.0123456789abcdef",
    caCertHash: "sha256:5f3c0a9e",
  });
});

parseJoinCommandSuite("rejects other output", () => {
  assert.throws(
    () => parseJoinCommand("error: token create failed"),
    /'kubeadm token create --print-join-command' printed no join command; expected 'kubeadm join ENDPOINT/,
  );
});

parseJoinCommandSuite.run();

const REPORT: BootstrapReport = {
  plan: false,
  ok: false,
  results: [
    { machine: "cp", step: "packages", status: "unchanged", reason: "", seconds: 0.2 },
    {
      machine: "worker-1",
      step: "packages",
      status: "changed",
      reason: "not installed: cri-o1.32",
      seconds: 9,
    },
    {
      machine: "worker-1",
      step: "kubeadm-join",
      status: "failed",
      reason: "exited with status 1",
      seconds: 40,
    },
  ],
  failures: [
    {
      machine: "worker-1",
      step: "kubeadm-join",
      output: "timed out waiting for the condition",
      diagnostics: "== crictl ps -a\n",
    },
  ],
};

const reportSuite = suite("formatSummary");

reportSuite("outcome counts results and names failures", () => {
  assert.is(
    formatOutcome(REPORT),
    "Bootstrap run: 1 changed, 1 already done, 1 failed; failed: 'kubeadm-join' on 'worker-1'.",
  );
});

reportSuite("summary lists every step and each failure's output", () => {
  const summary = formatSummary(REPORT, "staging");

  assert.match(summary, "## Bootstrap of 'staging'\n");
  assert.match(summary, "| cp | packages | already done |  |\n");
  assert.match(summary, "| worker-1 | packages | changed | not installed: cri-o1.32 |\n");
  assert.match(
    summary,
    "### 'kubeadm-join' failed on 'worker-1'\n\n```\ntimed out waiting for the condition\n```",
  );
  assert.match(summary, "<details><summary>Diagnostics</summary>\n\n```\n== crictl ps -a\n```");
});

reportSuite.run();
