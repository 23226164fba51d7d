import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadProject } from "../config/load.ts";
import type { Environment } from "../config/schema.ts";
import { buildServiceImages } from "../images/build.ts";
import { detectBuilder } from "../images/builder.ts";
import { connect, type KubeClients } from "../kube/client.ts";
import { readObject, referenceOf } from "../kube/objects.ts";
import type { KubeObject } from "../render/objects.ts";
import { renderProject } from "../render/render.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { membersOf, readInventory, referenceKey } from "./inventory.ts";
import { reconcile } from "./reconcile.ts";

// This file stops the shared API server, so the test runner runs it alone (".serial." in its name).
const API_SERVER_PID_FILE = "/run/mooring/kube-apiserver.pid";
const restart = suite("API server restart during a deploy");
let clients: KubeClients;
let environment: Environment;
let objects: KubeObject[];
const namespace = `restart-${randomBytes(3).toString("hex")}`;

// Kills the API server, as a crash or a lost machine would.
// (SIGKILL, because after SIGTERM the 1.20 API server takes about a minute to drain its watches.)
async function stopApiServer(): Promise<void> {
  const pid = Number(readFileSync(API_SERVER_PID_FILE, "utf8").trim());
  process.kill(pid, "SIGKILL");
  while (existsSync(`/proc/${pid}`)) await new Promise((resolve) => setTimeout(resolve, 100));
}

function startApiServer(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const up = spawn("bash", [join(REPOSITORY_ROOT, "scripts", "cluster", "up.sh")], { stdio: "ignore" });
    up.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`up.sh exited with ${code}`))));
  });
}

async function restartApiServer(): Promise<void> {
  await stopApiServer();
  await startApiServer();
}

// Twenty ConfigMaps from `first` on keep an apply going while the API server is away.
function configMaps(first: number, count: number): KubeObject[] {
  return Array.from({ length: count }, (_, offset) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `settings-${first + offset}`, namespace },
    data: { index: String(first + offset) },
  }));
}

// Asserts that every object exists and that the inventory lists exactly them.
async function assertDeployed(expected: KubeObject[], revisions: number): Promise<void> {
  for (const object of expected) {
    assert.ok(
      await readObject(clients, referenceOf(object)),
      `${object.kind}/${object.metadata.name} is missing`,
    );
  }
  const inventory = await readInventory(clients, namespace);
  assert.equal(inventory.members.map(referenceKey), membersOf(expected).map(referenceKey));
  assert.is(inventory.revisions.length, revisions);
}

restart.before(async () => {
  const project = await loadProject(REPOSITORY_ROOT, "local");
  environment = {
    ...project.environment,
    namespace,
    services: Object.fromEntries(
      Object.keys(project.environment.services).map((name) => [
        name,
        { replicas: 1, expose: { type: "ClusterIP" as const } },
      ]),
    ),
    rollout: { ...project.environment.rollout, timeoutSeconds: 180, progressDeadlineSeconds: 60 },
  };
  const names = project.services.map((service) => service.name);
  const images = await buildServiceImages(
    REPOSITORY_ROOT,
    environment,
    names,
    await detectBuilder(),
    () => {},
  );
  const rendered = await renderProject(
    { ...project, environment },
    Object.fromEntries(images.map((image) => [image.service, image.reference])),
  );
  objects = [...rendered, ...configMaps(0, 20)];
  clients = connect(REPOSITORY_ROOT, environment);
});

restart("deploy completes after a restart", async () => {
  let restarted: Promise<void> | undefined;
  const result = await reconcile(clients, environment, objects, {
    commit: "restart",
    print: (line) => {
      if (restarted === undefined && line.startsWith("took the deploy lock")) restarted = restartApiServer();
    },
  });
  assert.ok(restarted, "the API server was never restarted");
  await restarted;
  assert.ok(result.changed);

  // The cluster ends as rendered: every object present, the inventory exact, one ReplicaSet per Deployment.
  await assertDeployed(objects, 1);
  const replicaSets = await clients.apps.listNamespacedReplicaSet({ namespace });
  assert.is(replicaSets.items.length, 3);
});

restart("outage past the retries fails, next deploy completes", async () => {
  const grown = [...objects, ...configMaps(20, 20)];
  // The API server goes down once the first new ConfigMap exists, in the middle of the apply.
  const firstNew = referenceOf(grown.at(-20) as KubeObject);
  const stopMidApply = async () => {
    while ((await readObject(clients, firstNew).catch(() => undefined)) === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await stopApiServer();
  };
  let stopped: Promise<void> | undefined;
  const failure = await reconcile(clients, environment, grown, {
    commit: "outage",
    print: (line) => {
      if (stopped === undefined && line.startsWith("took the deploy lock")) stopped = stopMidApply();
    },
  }).then(
    () => undefined,
    (error: Error) => error,
  );
  assert.ok(stopped, "the API server was never stopped");
  await stopped;
  assert.instance(failure, Error, "the deploy succeeded with the API server down");
  assert.match(failure?.message ?? "", /did not respond after 8 attempts over about 32 seconds/);
  await startApiServer();

  // Every object in the namespace that carries the environment's ApplySet label is in the
  // inventory, so the next deploy can prune what the failed one created.
  const inventory = await readInventory(clients, namespace);
  const listed = new Set(inventory.members.map(referenceKey));
  const labelled = await clients.core.listNamespacedConfigMap({
    namespace,
    labelSelector: "applyset.kubernetes.io/part-of",
  });
  const names = labelled.items.map((configMap) => configMap.metadata?.name ?? "");
  assert.ok(names.includes(firstNew.name), "the failed deploy applied none of its new objects");
  for (const name of names) {
    const key = referenceKey({ ...firstNew, name });
    assert.ok(listed.has(key), `${key} was applied but is not in the inventory`);
  }
  assert.is(inventory.revisions.length, 1, "the failed deploy recorded a revision");

  // The next deploy completes and the namespace ends as rendered.
  const result = await reconcile(clients, environment, grown, { commit: "after-outage", print: () => {} });
  assert.ok(result.changed);
  await assertDeployed(grown, 2);
});

restart.after(async () => {
  // Leave the cluster as the next test expects it: after the long outage, every node Ready again.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const nodes = await clients.core.listNode();
    const ready = nodes.items.every((node) =>
      node.status?.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True"),
    );
    if (ready || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await clients.core.deleteNamespace({ name: namespace }).catch(() => {});
});

restart.run();
