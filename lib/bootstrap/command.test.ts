import { rm } from "node:fs/promises";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { main } from "../cli.ts";
import { createProject } from "../testing/fixture.ts";

const MACHINES_YAML = `kubernetesVersion: "1.32"
controlPlane:
  name: cp
  address: 127.0.0.1
`;

const roots: string[] = [];
const bootstrapCommandSuite = suite("mooring bootstrap");

bootstrapCommandSuite.after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function project(files: Record<string, string> = {}): Promise<string> {
  const root = await createProject(files);
  roots.push(root);
  return root;
}

bootstrapCommandSuite("missing known hosts stops before connecting", async () => {
  const root = await project({ "clusters/local/machines.yaml": MACHINES_YAML });
  const lines: string[] = [];
  const saved = process.env.MOORING_KNOWN_HOSTS;
  delete process.env.MOORING_KNOWN_HOSTS;
  try {
    const code = await main(["bootstrap", "--env", "local", "--plan"], root, (line) => lines.push(line));

    assert.is(code, 1);
    assert.equal(lines, [
      "No known hosts: pass --known-hosts FILE or set MOORING_KNOWN_HOSTS to the machines' known_hosts lines (from ssh-keyscan, checked against each machine's console).",
    ]);
  } finally {
    if (saved !== undefined) process.env.MOORING_KNOWN_HOSTS = saved;
  }
});

bootstrapCommandSuite("invalid inventory exits 2 with every problem", async () => {
  const root = await project({
    "clusters/local/machines.yaml": `${MACHINES_YAML}workers:\n  - name: Worker_1\n    address: 127.0.0.2\nfirewall: off\n`,
  });
  const lines: string[] = [];

  const code = await main(["bootstrap", "--env", "local", "--known-hosts", "/dev/null"], root, (line) =>
    lines.push(line),
  );

  assert.is(code, 2);
  assert.is(
    lines.join("\n"),
    [
      "Invalid configuration (2 problems):",
      "  clusters/local/machines.yaml:6: workers[0].name: expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, got 'Worker_1'",
      "  clusters/local/machines.yaml:8: firewall: expected 'firewalld' or 'disabled', got 'off'",
    ].join("\n"),
  );
});

bootstrapCommandSuite("missing inventory names the file", async () => {
  const root = await project();
  const lines: string[] = [];

  const code = await main(["bootstrap", "--env", "local", "--known-hosts", "/dev/null"], root, (line) =>
    lines.push(line),
  );

  assert.is(code, 2);
  assert.equal(lines, ["Invalid configuration (1 problem):\n  clusters/local/machines.yaml: file not found"]);
});

bootstrapCommandSuite.run();
