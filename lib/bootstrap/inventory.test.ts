import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "../config/errors.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { FLANNEL_MANIFEST_URL, loadInventory } from "./inventory.ts";

const MACHINES_YAML = `kubernetesVersion: "1.32"
ssh:
  user: fedora
controlPlane:
  name: cp
  address: 192.168.10.10
workers:
  - name: worker-1
    address: 192.168.10.11
  - name: worker-2
    address: worker-2.example.com
    internalAddress: 192.168.10.12
    port: 2222
`;

const loadInventorySuite = suite("loadInventory");

loadInventorySuite("fills in SSH settings and defaults", async () => {
  const inventory = await loadInventory(await project(MACHINES_YAML), "staging");

  assert.equal(inventory.controlPlane, {
    name: "cp",
    role: "control-plane",
    address: "192.168.10.10",
    internalAddress: "192.168.10.10",
    user: "fedora",
    port: 22,
  });
  assert.equal(inventory.workers[1], {
    name: "worker-2",
    role: "worker",
    address: "worker-2.example.com",
    internalAddress: "192.168.10.12",
    user: "fedora",
    port: 2222,
  });
  assert.is(inventory.podNetworkCidr, "10.244.0.0/16");
  assert.equal(inventory.cni, { plugin: "flannel", manifest: FLANNEL_MANIFEST_URL });
  assert.is(inventory.firewall, "firewalld");
  assert.is(inventory.selinux, "enforcing");
  assert.is(inventory.file, join("clusters", "staging", "machines.yaml"));
});

loadInventorySuite("reports every problem with file and line", async () => {
  const text = `${MACHINES_YAML.replace('"1.32"', "1.32").replace("name: worker-1", "name: cp")}podNetworkCidr: 10.244.0.0
firewal: disabled
`;
  const error = await loadError(text);

  assert.equal(error.problems, [
    {
      file: join("clusters", "staging", "machines.yaml"),
      line: 1,
      path: "kubernetesVersion",
      message: 'expected a quoted minor version such as "1.32", got 1.32',
    },
    {
      file: join("clusters", "staging", "machines.yaml"),
      line: 14,
      path: "podNetworkCidr",
      message: "expected an IPv4 CIDR such as '10.244.0.0/16', got '10.244.0.0'",
    },
    {
      file: join("clusters", "staging", "machines.yaml"),
      line: 15,
      path: "firewal",
      message: "unknown key 'firewal'; did you mean 'firewall'?",
    },
  ]);
});

loadInventorySuite("rejects two machines with one name", async () => {
  const error = await loadError(MACHINES_YAML.replace("name: worker-1", "name: cp"));

  assert.equal(
    error.problems.map((problem) => `${problem.line}: ${problem.path}: ${problem.message}`),
    ["8: workers[0].name: the name 'cp' is already used by controlPlane; expected a name per machine"],
  );
});

loadInventorySuite("rejects a pod CIDR flannel's published manifest does not use", async () => {
  const error = await loadError(`${MACHINES_YAML}podNetworkCidr: 10.32.0.0/16\n`);

  assert.is(error.problems.length, 1);
  assert.match(
    error.problems[0]?.message ?? "",
    "flannel's published manifest uses 10.244.0.0/16, got '10.32.0.0/16'",
  );
});

loadInventorySuite("requires an IP address to advertise", async () => {
  const error = await loadError(MACHINES_YAML.replace("address: 192.168.10.10", "address: cp.example.com"));

  assert.equal(
    error.problems.map((problem) => `${problem.line}: ${problem.path}: ${problem.message}`),
    [
      "6: controlPlane.address: the control plane's API server is advertised at this address, so it must be an IP address, got 'cp.example.com'; give the IP address as 'internalAddress'",
    ],
  );
});

loadInventorySuite("reports a missing file", async () => {
  const root = await mkdtemp(join(tmpdir(), "mooring-inventory-"));
  const error = await loadInventory(root, "staging").catch((caught: Error) => caught);

  assert.instance(error, ConfigError);
  assert.equal((error as ConfigError).problems, [
    { file: join("clusters", "staging", "machines.yaml"), path: "", message: "file not found" },
  ]);
});

loadInventorySuite("loads the repository's inventories", async () => {
  for (const environment of ["staging", "production"]) {
    const inventory = await loadInventory(REPOSITORY_ROOT, environment);

    assert.is(inventory.kubernetesVersion, "1.32", environment);
    assert.is(inventory.workers.length, 3, environment);
  }
});

loadInventorySuite.run();

async function project(machinesYaml: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "mooring-inventory-"));
  await mkdir(join(root, "clusters", "staging"), { recursive: true });
  await writeFile(join(root, "clusters", "staging", "machines.yaml"), machinesYaml);
  return root;
}

async function loadError(machinesYaml: string): Promise<ConfigError> {
  const error = await loadInventory(await project(machinesYaml), "staging").catch((caught: Error) => caught);
  assert.instance(error, ConfigError);
  return error as ConfigError;
}
