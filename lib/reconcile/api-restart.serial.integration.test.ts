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

// Kills the API server, as a crash or a lost machine would, then starts it again with up.sh.
// (SIGKILL, because after SIGTERM the 1.20 API server takes about a minute to drain its watches.)
async function restartApiServer(): Promise<void> {
  const pid = Number(readFileSync(API_SERVER_PID_FILE, "utf8").trim());
  process.kill(pid, "SIGKILL");
  while (existsSync(`/proc/${pid}`)) await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise<void>((resolve, reject) => {
    const up = spawn("bash", [join(REPOSITORY_ROOT, "scripts", "cluster", "up.sh")], { stdio: "ignore" });
    up.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`up.sh exited with ${code}`))));
  });
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
  // Twenty more objects keep the apply going while the API server is away.
  const configMaps: KubeObject[] = Array.from({ length: 20 }, (_, index) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `settings-${index}`, namespace },
    data: { index: String(index) },
  }));
  objects = [...rendered, ...configMaps];
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
  for (const object of objects) {
    assert.ok(
      await readObject(clients, referenceOf(object)),
      `${object.kind}/${object.metadata.name} is missing`,
    );
  }
  const inventory = await readInventory(clients, namespace);
  assert.equal(inventory.members.map(referenceKey), membersOf(objects).map(referenceKey));
  assert.is(inventory.revisions.length, 1);
  const replicaSets = await clients.apps.listNamespacedReplicaSet({ namespace });
  assert.is(replicaSets.items.length, 3);
});

restart.after(async () => {
  await clients.core.deleteNamespace({ name: namespace }).catch(() => {});
});

restart.run();
