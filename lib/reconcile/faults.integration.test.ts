import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadProject } from "../config/load.ts";
import type { Environment } from "../config/schema.ts";
import { buildServiceImages } from "../images/build.ts";
import { connect, type KubeClients } from "../kube/client.ts";
import { microTime, sendJson } from "../kube/raw.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { LOCK_NAME } from "./lock.ts";
import { reconcile } from "./reconcile.ts";
import { kubectl, prepareTestCluster, renderFor, type TestCluster, testEnvironment } from "./testing.ts";

const faults = suite("faults around a deploy");
let cluster: TestCluster;
let clients: KubeClients;

function environmentFor(namespace: string): Environment {
  return testEnvironment(cluster.project.environment, namespace);
}

faults.before(async () => {
  cluster = await prepareTestCluster();
  clients = cluster.clients;
});

faults("dead lock holder's lease expires", async () => {
  const namespace = `faults-lease-${randomBytes(3).toString("hex")}`;
  const environment = environmentFor(namespace);
  const lines: string[] = [];
  try {
    // A deploy that took the lock 25 seconds ago and then died, so its 30-second lease runs out soon.
    kubectl("create", "namespace", namespace);
    const renewed = microTime(new Date(Date.now() - 25_000));
    await sendJson(clients, "POST", `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: LOCK_NAME },
      spec: {
        holderIdentity: "dead-deploy",
        leaseDurationSeconds: 30,
        acquireTime: renewed,
        renewTime: renewed,
      },
    });
    const result = await reconcile(clients, environment, await renderFor(cluster, environment), {
      commit: "after",
      print: (line) => lines.push(line),
    });
    assert.ok(result.changed);
    assert.ok(
      lines.includes(`waiting for the deploy lock of ${namespace}, held by dead-deploy`),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((line) => line.startsWith(`took the deploy lock of ${namespace}`)),
      lines.join("\n"),
    );
  } finally {
    kubectl("delete", "namespace", namespace, "--wait=false");
  }
});

faults("unreachable API server fails clearly", async () => {
  const kubeconfig = join(tmpdir(), `mooring-unreachable-${randomBytes(3).toString("hex")}.kubeconfig`);
  const text = await readFile(join(REPOSITORY_ROOT, ".mooring", "kubeconfig"), "utf8");
  // Nothing listens on port 6999, as if the API server were down for longer than the retries.
  await writeFile(kubeconfig, text.replace(/127\.0\.0\.1:6443/g, "127.0.0.1:6999"), { mode: 0o600 });
  const environment = { ...environmentFor("faults-unreachable"), cluster: { kubeconfig } };
  const unreachable = connect(REPOSITORY_ROOT, environment);
  try {
    await reconcile(unreachable, environment, await renderFor(cluster, environment), {
      commit: "x",
      print: () => {},
    });
    assert.unreachable("expected the deploy to fail");
  } catch (error) {
    assert.match(
      (error as Error).message,
      /^The API server at https:\/\/127\.0\.0\.1:6999 did not respond after 8 attempts over about 32 seconds \(.*ECONNREFUSED.*\); check that the cluster runs/,
    );
  }
});

faults("registry down fails the build", async () => {
  const project = await loadProject(REPOSITORY_ROOT, "local");
  // Nothing listens on port 5999, as if the registry were down.
  const environment = {
    ...project.environment,
    images: { ...project.environment.images, registry: "127.0.0.1:5999/mooring" },
  };
  try {
    await buildServiceImages(REPOSITORY_ROOT, environment, ["time"], undefined, () => {});
    assert.unreachable("expected the build to fail");
  } catch (error) {
    assert.match(
      (error as Error).message,
      /^Registry '127\.0\.0\.1:5999' is not reachable at http:\/\/127\.0\.0\.1:5999\/v2\//,
    );
  }
});

faults.run();
