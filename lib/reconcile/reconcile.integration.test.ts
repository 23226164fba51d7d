import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Environment } from "../config/schema.ts";
import type { KubeClients } from "../kube/client.ts";
import { readObject } from "../kube/objects.ts";
import type { KubeObject } from "../render/objects.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { detectDrift } from "./drift.ts";
import { applySetId, INVENTORY_NAME, PART_OF_LABEL, readInventory, writeInventory } from "./inventory.ts";
import { reconcile } from "./reconcile.ts";
import {
  KUBECTL,
  kubectl,
  prepareTestCluster,
  renderFor,
  type TestCluster,
  testEnvironment,
} from "./testing.ts";

// Every test works in its own namespace, on the real images and templates,
// with one replica per service and ClusterIP for the frontend, so it never
// touches the demo's namespace or NodePort.
const AUDIT_LOG = "/var/log/mooring/audit.log";
const engine = suite("reconcile on the local cluster");
const lines: string[] = [];
const print = (line: string) => lines.push(line);
let cluster: TestCluster;
let clients: KubeClients;
let images: Record<string, string>;

function environmentFor(namespace: string, rollout: Partial<Environment["rollout"]> = {}): Environment {
  return testEnvironment(cluster.project.environment, namespace, rollout);
}

function render(environment: Environment): Promise<KubeObject[]> {
  return renderFor(cluster, environment);
}

function uniqueNamespace(purpose: string): string {
  return `reconcile-${purpose}-${randomBytes(3).toString("hex")}`;
}

// Mooring's write requests to `namespace` logged by the API server's audit log after `offset`, dry runs excluded.
async function writesSince(offset: number, namespace: string): Promise<string[]> {
  const file = await open(AUDIT_LOG, "r");
  try {
    const size = (await file.stat()).size;
    const buffer = Buffer.alloc(size - offset);
    await file.read(buffer, 0, buffer.length, offset);
    return buffer
      .toString("utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map(
        (line) =>
          JSON.parse(line) as {
            verb: string;
            requestURI: string;
            userAgent?: string;
            objectRef?: { namespace?: string };
          },
      )
      .filter((event) => event.objectRef?.namespace === namespace && !event.requestURI.includes("dryRun="))
      .filter((event) => !(event.userAgent ?? "").startsWith("kubectl"))
      .map((event) => `${event.verb} ${event.requestURI}`);
  } finally {
    await file.close();
  }
}

// Foreground deletion keeps an object, marked for deletion, until its dependents are gone.
async function isGoneOrGoing(reference: Parameters<typeof readObject>[1]): Promise<boolean> {
  const live = await readObject(clients, reference);
  return live === undefined || live.metadata.deletionTimestamp !== undefined;
}

// Returns a copy of objects with one Deployment's first container changed.
function withContainer(
  objects: KubeObject[],
  deployment: string,
  change: (container: Record<string, unknown>) => void,
): KubeObject[] {
  return objects.map((object) => {
    if (object.kind !== "Deployment" || object.metadata.name !== deployment) return object;
    const copy = structuredClone(object);
    const spec = copy.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
    change(spec.template.spec.containers[0] as Record<string, unknown>);
    return copy;
  });
}

async function expectFailure(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    return (error as Error).message;
  }
  return assert.unreachable("expected the deploy to fail") as never;
}

function deleteNamespace(namespace: string): void {
  spawnSync(KUBECTL, [
    "--kubeconfig",
    `${REPOSITORY_ROOT}/.mooring/kubeconfig`,
    "delete",
    "namespace",
    namespace,
    "--wait=false",
  ]);
}

engine.before(async () => {
  cluster = await prepareTestCluster();
  clients = cluster.clients;
  images = cluster.images;
});

engine("second deploy writes nothing", async () => {
  const namespace = uniqueNamespace("idle");
  const environment = environmentFor(namespace);
  const objects = await render(environment);
  try {
    const first = await reconcile(clients, environment, objects, { commit: "first", print });
    assert.ok(first.changed);
    const offset = (await stat(AUDIT_LOG)).size;
    const second = await reconcile(clients, environment, objects, { commit: "first", print });
    assert.not.ok(second.changed);
    assert.equal(await writesSince(offset, namespace), []);
    assert.ok(second.applied.every((result) => result.action === "unchanged"));
  } finally {
    deleteNamespace(namespace);
  }
});

engine("prunes only labelled inventory members", async () => {
  const namespace = uniqueNamespace("prune");
  const environment = environmentFor(namespace);
  const id = applySetId(INVENTORY_NAME, namespace);
  const configMap = (name: string): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
    data: { purpose: "prune test" },
  });
  const objects = await render(environment);
  try {
    await reconcile(clients, environment, [...objects, configMap("labelled"), configMap("unlabelled")], {
      commit: "a",
      print,
    });
    // A hand-made object with the same label but never in the inventory, and a member whose label was removed.
    kubectl("-n", namespace, "create", "configmap", "stray");
    kubectl("-n", namespace, "label", "configmap", "stray", `${PART_OF_LABEL}=${id}`);
    kubectl("-n", namespace, "label", "configmap", "unlabelled", `${PART_OF_LABEL}-`);

    const withoutImage = objects.filter((object) => object.metadata.name !== "image");
    const result = await reconcile(clients, environment, withoutImage, {
      commit: "b",
      print,
      allowMassPrune: true,
    });
    const pruned = result.applied.filter((entry) => entry.action === "pruned").map((entry) => entry.object);
    assert.ok(pruned.includes(`Deployment/${namespace}/image`), pruned.join(", "));
    assert.ok(pruned.includes(`Service/${namespace}/image`), pruned.join(", "));
    assert.ok(pruned.includes(`ConfigMap/${namespace}/labelled`), pruned.join(", "));
    assert.not.ok(pruned.includes(`ConfigMap/${namespace}/unlabelled`));
    assert.ok(await isGoneOrGoing({ apiVersion: "apps/v1", kind: "Deployment", name: "image", namespace }));
    assert.ok(
      await readObject(clients, { apiVersion: "v1", kind: "ConfigMap", name: "unlabelled", namespace }),
    );
    assert.ok(await readObject(clients, { apiVersion: "v1", kind: "ConfigMap", name: "stray", namespace }));
    assert.ok(
      await readObject(clients, { apiVersion: "apps/v1", kind: "Deployment", name: "time", namespace }),
    );
  } finally {
    deleteNamespace(namespace);
  }
});

engine("recreates a member still being deleted", async () => {
  const namespace = uniqueNamespace("recreate");
  const environment = environmentFor(namespace);
  const objects = await render(environment);
  const image = { apiVersion: "apps/v1", kind: "Deployment", name: "image", namespace };
  try {
    await reconcile(clients, environment, objects, { commit: "a", print });
    const withoutImage = objects.filter((object) => object.metadata.name !== "image");
    await reconcile(clients, environment, withoutImage, { commit: "b", print, allowMassPrune: true });
    // Pruned in the foreground, the Deployment is listed with a deletionTimestamp until its pods are gone.
    assert.ok((await readObject(clients, image))?.metadata.deletionTimestamp);

    const result = await reconcile(clients, environment, objects, { commit: "c", print });
    const created = result.applied.filter((entry) => entry.action === "created").map((entry) => entry.object);
    assert.ok(created.includes(`Deployment/${namespace}/image`), created.join(", "));
    const live = await readObject(clients, image);
    assert.ok(live, "the Deployment was not created again");
    assert.is(live.metadata.deletionTimestamp, undefined);
  } finally {
    deleteNamespace(namespace);
  }
});

engine("refuses empty render and mass prune", async () => {
  const namespace = uniqueNamespace("empty");
  const environment = environmentFor(namespace);
  const objects = await render(environment);
  try {
    await reconcile(clients, environment, objects, { commit: "a", print });
    try {
      await reconcile(clients, environment, [], { commit: "b", print });
      assert.unreachable("expected the empty render to be refused");
    } catch (error) {
      assert.match((error as Error).message, /^Refusing to deploy an empty render to 'reconcile-empty-/);
    }
    const namespaceOnly = objects.filter((object) => object.kind === "Namespace");
    try {
      await reconcile(clients, environment, namespaceOnly, { commit: "c", print });
      assert.unreachable("expected the mass prune to be refused");
    } catch (error) {
      assert.match(
        (error as Error).message,
        /^Refusing to prune \d+ of \d+ objects in 'reconcile-empty-[0-9a-f]+' \(\d+%, more than prune\.maxShare 0\.5\)/,
      );
    }
    for (const object of objects) {
      const live = await readObject(clients, {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
      });
      assert.ok(live, `${object.kind}/${object.metadata.name} was deleted`);
    }
  } finally {
    deleteNamespace(namespace);
  }
});

engine("missing image fails and rolls back", async () => {
  const namespace = uniqueNamespace("rollback");
  const environment = environmentFor(namespace, { autoRollback: true });
  const objects = await render(environment);
  const missing = `localhost:5000/mooring/time@sha256:${"0".repeat(64)}`;
  try {
    await reconcile(clients, environment, objects, { commit: "good", print });
    const broken = withContainer(objects, "time", (container) => {
      container.image = missing;
    });
    const message = await expectFailure(reconcile(clients, environment, broken, { commit: "bad", print }));
    // The pull failure ends the wait at once, long before the progress deadline would.
    assert.not.match(message, /progress deadline exceeded|timed out/);
    assert.match(message, /rolled back to revision 1 \(commit good\), which is running again/);
    assert.match(message, /ImagePullBackOff|ErrImagePull/);
    assert.ok(message.includes(missing), message);
    const live = await readObject(clients, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "time",
      namespace,
    });
    const spec = live?.spec as { template: { spec: { containers: { image: string }[] } } };
    assert.is(spec.template.spec.containers[0]?.image, images.time);
    const status = live?.status as { readyReplicas?: number; updatedReplicas?: number };
    assert.is(status.readyReplicas, 1);
  } finally {
    deleteNamespace(namespace);
  }
});

engine("crashing container names its last log line", async () => {
  const namespace = uniqueNamespace("crash");
  const environment = environmentFor(namespace);
  const objects = await render(environment);
  try {
    const crashing = withContainer(objects, "time", (container) => {
      const env = container.env as { name: string; value?: string }[];
      container.env = env.map((variable) =>
        variable.name === "PORT" ? { name: "PORT", value: "not-a-port" } : variable,
      );
    });
    const message = await expectFailure(
      reconcile(clients, environment, crashing, { commit: "crash", print }),
    );
    assert.match(message, /container time is in CrashLoopBackOff \(exit code 1/);
    assert.match(message, /PORT/);
    assert.match(message, /not-a-port/);
  } finally {
    deleteNamespace(namespace);
  }
});

engine("concurrent deploys run one after the other", async () => {
  const namespace = uniqueNamespace("lock");
  const environment = environmentFor(namespace);
  const objects = await render(environment);
  try {
    await reconcile(clients, environment, objects, { commit: "base", print });
    const events: string[] = [];
    const recorder = (name: string) => (line: string) => {
      if (/^took the deploy lock|^waiting for the deploy lock|^recorded revision/.test(line))
        events.push(`${name}: ${line}`);
    };
    const scaled = (replicas: number) =>
      objects.map((object) =>
        object.kind === "Deployment" && object.metadata.name === "image"
          ? { ...object, spec: { ...(object.spec as object), replicas } }
          : object,
      );
    await Promise.all([
      reconcile(clients, environment, scaled(2), {
        commit: "one",
        print: recorder("one"),
        lockHolder: "deploy-one",
      }),
      reconcile(clients, environment, scaled(3), {
        commit: "two",
        print: recorder("two"),
        lockHolder: "deploy-two",
      }),
    ]);
    const took = events.filter((event) => event.includes("took the deploy"));
    assert.is(took.length, 2, events.join("\n"));
    assert.ok(
      events.some((event) => event.includes("waiting for the deploy lock")),
      events.join("\n"),
    );
    // The first holder records its revision before the second takes the lock.
    const first = took[0]?.split(":")[0];
    const firstRecorded = events.findIndex((event) => event.startsWith(`${first}: recorded revision`));
    const secondTook = events.indexOf(took[1] ?? "");
    assert.ok(firstRecorded !== -1, events.join("\n"));
    assert.ok(firstRecorded < secondTook, events.join("\n"));
  } finally {
    deleteNamespace(namespace);
  }
});

engine("kubectl scale shows as drift and is undone", async () => {
  const namespace = uniqueNamespace("drift");
  const environment = environmentFor(namespace);
  const objects = await render(environment);
  try {
    await reconcile(clients, environment, objects, { commit: "base", print });
    kubectl("-n", namespace, "scale", "deployment", "time", "--replicas", "2");
    kubectl("-n", namespace, "delete", "service", "image");
    const drift = await detectDrift(clients, namespace);
    assert.equal(
      drift.entries.map((entry) => `${entry.kind} ${entry.object}`),
      [`deleted Service/${namespace}/image`, `changed Deployment/${namespace}/time`],
    );
    assert.match(drift.entries[1]?.diff ?? "", /-\s+replicas: 1\n\+\s+replicas: 2/);

    await reconcile(clients, environment, objects, { commit: "base", print });
    const live = await readObject(clients, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "time",
      namespace,
    });
    assert.is((live?.spec as { replicas?: number } | undefined)?.replicas, 1);
    assert.ok(await readObject(clients, { apiVersion: "v1", kind: "Service", name: "image", namespace }));
    assert.equal((await detectDrift(clients, namespace)).entries, []);
  } finally {
    deleteNamespace(namespace);
  }
});

engine("another applier's field is a conflict", async () => {
  const namespace = uniqueNamespace("conflict");
  const environment = environmentFor(namespace);
  const objects = await render(environment);
  try {
    await reconcile(clients, environment, objects, { commit: "base", print });
    const patch = JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "time", namespace, labels: { "app.kubernetes.io/part-of": "other-system" } },
    });
    const applied = spawnSync(
      KUBECTL,
      [
        "--kubeconfig",
        `${REPOSITORY_ROOT}/.mooring/kubeconfig`,
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager",
        "other-tool",
        "-f",
        "-",
      ],
      { input: patch, encoding: "utf8" },
    );
    assert.is(applied.status, 0, applied.stderr);
    const message = await expectFailure(reconcile(clients, environment, objects, { commit: "base", print }));
    assert.match(
      message,
      /^Applying Service\/reconcile-conflict-[0-9a-f]+\/time failed: another applier owns \.metadata\.labels\.app\.kubernetes\.io\/part-of \(owned by 'other-tool'\)/,
    );
    assert.match(message, /--force-conflicts/);

    await reconcile(clients, environment, objects, { commit: "base", print, forceConflicts: true });
    const live = await readObject(clients, { apiVersion: "v1", kind: "Service", name: "time", namespace });
    assert.is(live?.metadata.labels?.["app.kubernetes.io/part-of"], "mooring");
  } finally {
    deleteNamespace(namespace);
  }
});

engine("immutable selector needs replace", async () => {
  const namespace = uniqueNamespace("replace");
  const environment = environmentFor(namespace);
  const objects = await render(environment);
  try {
    await reconcile(clients, environment, objects, { commit: "base", print });
    const relabelled = objects.map((object) => {
      if (object.kind !== "Deployment" || object.metadata.name !== "time") return object;
      const copy = structuredClone(object);
      const spec = copy.spec as {
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> } };
      };
      spec.selector.matchLabels.track = "blue";
      spec.template.metadata.labels.track = "blue";
      return copy;
    });
    const message = await expectFailure(
      reconcile(clients, environment, relabelled, { commit: "relabel", print }),
    );
    assert.match(message, /spec\.selector/);
    assert.match(message, /immutable/);
    assert.ok(message.includes(`--replace Deployment/${namespace}/time`), message);

    const result = await reconcile(clients, environment, relabelled, {
      commit: "relabel",
      print,
      replace: [`Deployment/${namespace}/time`],
    });
    assert.ok(
      result.applied.some(
        (entry) => entry.action === "replaced" && entry.object === `Deployment/${namespace}/time`,
      ),
    );
  } finally {
    deleteNamespace(namespace);
  }
});

engine("stays inside its namespace", async () => {
  const namespace = uniqueNamespace("scope");
  const victimNamespace = uniqueNamespace("victim");
  const environment = environmentFor(namespace);
  const id = applySetId(INVENTORY_NAME, namespace);
  const objects = await render(environment);
  try {
    await reconcile(clients, environment, objects, { commit: "a", print });

    // A manifest that names another namespace is refused before anything is applied.
    const hostile: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "planted", namespace: victimNamespace },
      data: { a: "b" },
    };
    const message = await expectFailure(
      reconcile(clients, environment, [...objects, hostile], { commit: "b", print }),
    );
    assert.match(
      message,
      /^Refusing to deploy objects outside namespace 'reconcile-scope-[0-9a-f]+': ConfigMap\/reconcile-victim-/,
    );

    // An object elsewhere that copies this environment's label, listed in a tampered inventory, is not pruned.
    kubectl("create", "namespace", victimNamespace);
    kubectl("-n", victimNamespace, "create", "configmap", "victim");
    kubectl("-n", victimNamespace, "label", "configmap", "victim", `${PART_OF_LABEL}=${id}`);
    const inventory = await readInventory(clients, namespace);
    await writeInventory(clients, {
      ...inventory,
      members: [
        ...inventory.members,
        { apiVersion: "v1", kind: "ConfigMap", name: "victim", namespace: victimNamespace },
      ],
    });
    const result = await reconcile(clients, environment, objects, {
      commit: "c",
      print,
      allowMassPrune: true,
    });
    assert.not.ok(result.applied.some((entry) => entry.object.includes(victimNamespace)));
    assert.ok(
      result.plan.skippedPrunes.some((entry) =>
        entry.startsWith(`ConfigMap/${victimNamespace}/victim: outside namespace`),
      ),
    );
    assert.ok(
      await readObject(clients, {
        apiVersion: "v1",
        kind: "ConfigMap",
        name: "victim",
        namespace: victimNamespace,
      }),
    );
  } finally {
    deleteNamespace(namespace);
    deleteNamespace(victimNamespace);
  }
});

engine.after(() => {
  if (process.env.MOORING_TEST_VERBOSE) console.log(lines.join("\n"));
});

engine.run();
