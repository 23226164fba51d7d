import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadProject } from "../config/load.ts";
import type { Environment } from "../config/schema.ts";
import { buildServiceImages } from "../images/build.ts";
import { detectBuilder } from "../images/builder.ts";
import { connect, type KubeClients } from "../kube/client.ts";
import type { KubeObject } from "../render/objects.ts";
import { renderProject } from "../render/render.ts";
import { REPOSITORY_ROOT } from "../testing/fixture.ts";
import { reconcile } from "./reconcile.ts";
import { withNewPodTemplates } from "./testing.ts";

// A NodePort of its own, so the demo's 30080 stays untouched.
const NODE_PORT = 30081;
const rolling = suite("deploys under load");
let clients: KubeClients;
let environment: Environment;
let objects: KubeObject[];
const namespace = `rolling-${randomBytes(3).toString("hex")}`;

// wrk counts connection errors and statuses; this script also counts pages that name a failed backend.
const WRK_SCRIPT = `
local backendErrors = 0
local badStatus = 0
function response(status, headers, body)
  if status ~= 200 then badStatus = badStatus + 1 end
  if body:find('data-testid="time-error"', 1, true) or body:find('data-testid="image-error"', 1, true) then
    backendErrors = backendErrors + 1
  end
end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d connect=%d read=%d write=%d timeout=%d status=%d backend=%d\\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, badStatus, backendErrors))
end
`;

/** The counts wrk reported for one load run. */
interface LoadResult {
  requests: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  status: number;
  backend: number;
}

// Starts wrk against the frontend for `seconds` seconds, with 4 connections on one thread.
async function startLoad(seconds: number): Promise<{ done: Promise<LoadResult> }> {
  const folder = await mkdtemp(join(tmpdir(), "mooring-wrk-"));
  const script = join(folder, "count.lua");
  await writeFile(script, WRK_SCRIPT);
  const child = spawn("wrk", [
    "-t1",
    "-c4",
    `-d${seconds}s`,
    "--timeout",
    "5s",
    "-s",
    script,
    `http://127.0.0.1:${NODE_PORT}/`,
  ]);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const done = new Promise<LoadResult>((resolve, reject) => {
    child.on("close", () => {
      const match = /RESULT (.*)/.exec(output);
      if (match?.[1] === undefined) return reject(new Error(`wrk printed no result:\n${output}`));
      const fields = Object.fromEntries(match[1].split(" ").map((pair) => pair.split("=")));
      resolve(
        Object.fromEntries(
          Object.entries(fields).map(([key, value]) => [key, Number(value)]),
        ) as unknown as LoadResult,
      );
    });
  });
  return { done };
}

function withReplicas(source: KubeObject[], replicas: number): KubeObject[] {
  return source.map((object) =>
    object.kind === "Deployment" ? { ...object, spec: { ...(object.spec as object), replicas } } : object,
  );
}

function assertNoFailures(result: LoadResult): void {
  assert.ok(result.requests > 100, `only ${result.requests} requests were served`);
  assert.equal(
    {
      connect: result.connect,
      read: result.read,
      write: result.write,
      timeout: result.timeout,
      status: result.status,
      backend: result.backend,
    },
    { connect: 0, read: 0, write: 0, timeout: 0, status: 0, backend: 0 },
  );
}

rolling.before(async () => {
  const project = await loadProject(REPOSITORY_ROOT, "local");
  environment = {
    ...project.environment,
    namespace,
    services: Object.fromEntries(
      Object.entries(project.environment.services).map(([name, placement]) => [
        name,
        name === "frontend"
          ? {
              ...placement,
              replicas: 2,
              expose: { type: "NodePort" as const, nodePort: NODE_PORT, host: "127.0.0.1" },
            }
          : { ...placement, replicas: 2 },
      ]),
    ),
  };
  const names = project.services.map((service) => service.name);
  const images = await buildServiceImages(
    REPOSITORY_ROOT,
    environment,
    names,
    await detectBuilder(),
    () => {},
  );
  objects = await renderProject(
    { ...project, environment },
    Object.fromEntries(images.map((image) => [image.service, image.reference])),
  );
  clients = connect(REPOSITORY_ROOT, environment);
  await reconcile(clients, environment, objects, { commit: "base", print: () => {} });
});

rolling("rolling all three loses no request", async () => {
  let loadEnded = false;
  const load = (await startLoad(40)).done.finally(() => {
    loadEnded = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await reconcile(clients, environment, withNewPodTemplates(objects, "second"), {
    commit: "second",
    print: () => {},
  });
  assert.not.ok(loadEnded, "the change outlasted the load, so part of it went unobserved");
  const result = await load;
  console.log(`rolling deploy under load: ${JSON.stringify(result)}`);
  assertNoFailures(result);
});

rolling("scaling to one and back loses no request", async () => {
  const current = withNewPodTemplates(objects, "second");
  let loadEnded = false;
  const load = (await startLoad(30)).done.finally(() => {
    loadEnded = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await reconcile(clients, environment, withReplicas(current, 1), { commit: "down", print: () => {} });
  await reconcile(clients, environment, withReplicas(current, 2), { commit: "up", print: () => {} });
  assert.not.ok(loadEnded, "the change outlasted the load, so part of it went unobserved");
  const result = await load;
  console.log(`scale down and up under load: ${JSON.stringify(result)}`);
  assertNoFailures(result);
});

rolling.after(async () => {
  await clients.core.deleteNamespace({ name: namespace }).catch(() => {});
});

rolling.run();
