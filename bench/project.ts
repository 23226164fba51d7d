// Projects the benchmark deploys: copies of this repository with environments
// of their own in `bench-` namespaces, the synthetic system of many services,
// and the two command lines, Mooring's CLI and kubectl, run against them.
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { loadProject } from "../lib/config/load.ts";
import { buildServiceImages } from "../lib/images/build.ts";
import { detectBuilder } from "../lib/images/builder.ts";
import { type BenchContext, type CommandRun, type RunOptions, runTimed, shared } from "./harness.ts";

/** A copy of the repository with its own environments and services. */
export interface BenchProject {
  root: string;
  services: string[];
  /** `--image service=reference` for every service, so that no image is built or looked up. */
  imageArguments: string[];
}

/** One environment of a bench project, written as `clusters/<name>/environment.yaml`. */
export interface BenchEnvironment {
  name: string;
  namespace: string;
  /** The `services` mapping of the environment file. */
  services: Record<string, unknown>;
}

/** Options of {@link runMooring} and {@link runKubectl}. */
export interface ClientOptions extends Omit<RunOptions, "env"> {
  /** The kubeconfig to use instead of the local cluster's, such as the counting proxy's. */
  kubeconfig?: string;
}

/** The service file of every synthetic service: internal, small, and served by the `time` image. */
const SYNTHETIC_SERVICE = {
  port: 8080,
  visibility: "internal",
  probes: { liveness: "/healthz", readiness: "/readyz" },
  resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
};

/** Returns a short random suffix that keeps this run's namespaces apart from a previous run's. */
export const RUN_ID = randomBytes(3).toString("hex");

/**
 * Returns the images of the repository's three services pinned by digest,
 * building and pushing any that the local registry lacks (once per run).
 */
export function repositoryImages(context: BenchContext): Promise<Record<string, string>> {
  return shared(context, "repository-images", async () => {
    const project = await loadProject(context.root, "local");
    const names = project.services.map((service) => service.name);
    const built = await buildServiceImages(
      context.root,
      project.environment,
      names,
      await detectBuilder(),
      () => {},
    );
    return Object.fromEntries(built.map((image) => [image.service, image.reference]));
  });
}

/**
 * Creates a copy of the repository (its CLI, lib/ and templates, with
 * node_modules linked) under the run's work folder, with the given services
 * and environments. Every environment reaches the cluster through the
 * context named in the kubeconfig that $KUBECONFIG points at.
 */
export async function createProject(
  context: BenchContext,
  name: string,
  services: Record<string, Record<string, unknown>>,
  images: Record<string, string>,
  environments: BenchEnvironment[],
): Promise<BenchProject> {
  const root = join(context.work, name);
  await mkdir(root, { recursive: true });
  for (const path of ["bin", "lib", "manifests", "package.json", "tsconfig.json"]) {
    await cp(join(context.root, path), join(root, path), { recursive: true });
  }
  await symlink(join(context.root, "node_modules"), join(root, "node_modules"));
  for (const [service, settings] of Object.entries(services)) {
    await mkdir(join(root, "services", service), { recursive: true });
    await writeFile(
      join(root, "services", service, "service.yaml"),
      stringify({ name: service, ...settings }),
    );
  }
  const clusterContext = await currentContext(context.kubeconfig);
  for (const environment of environments) await writeEnvironment(root, environment, clusterContext);
  return { root, services: Object.keys(services).sort(), imageArguments: imageArguments(images) };
}

/** Returns `--image service=reference` for each image, sorted by service. */
export function imageArguments(images: Record<string, string>): string[] {
  return Object.keys(images)
    .sort()
    .flatMap((service) => ["--image", `${service}=${images[service]}`]);
}

/**
 * Creates the synthetic system: `count` internal services named `svc-001`
 * and on, each with 0 replicas and the `time` image (or `image`), so that
 * deploying it writes every object but starts no pod.
 */
export async function createSyntheticProject(
  context: BenchContext,
  name: string,
  count: number,
  environments: { name: string; namespace: string }[],
  image?: string,
): Promise<BenchProject> {
  const time = image ?? (await repositoryImages(context)).time;
  if (time === undefined)
    throw new Error("The repository has no 'time' service, whose image the synthetic services use");
  const names = syntheticServiceNames(count);
  return createProject(
    context,
    name,
    Object.fromEntries(names.map((service) => [service, SYNTHETIC_SERVICE])),
    Object.fromEntries(names.map((service) => [service, time])),
    environments.map((environment) => ({
      ...environment,
      services: Object.fromEntries(names.map((service) => [service, { replicas: 0 }])),
    })),
  );
}

/** Returns the names of the first `count` synthetic services. */
export function syntheticServiceNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `svc-${String(index + 1).padStart(3, "0")}`);
}

/**
 * Writes `clusters/<name>/environment.yaml` for a bench environment: the
 * local environment's settings with the given namespace and services, and
 * short timeouts.
 */
export async function writeEnvironment(
  root: string,
  environment: BenchEnvironment,
  clusterContext: string,
): Promise<void> {
  const file = {
    name: environment.name,
    namespace: environment.namespace,
    kubernetesVersion: "1.20",
    cluster: { context: clusterContext },
    images: { registry: "localhost:5000/mooring", base: "local-node", insecure: true },
    services: environment.services,
    rollout: { timeoutSeconds: 300, progressDeadlineSeconds: 120 },
  };
  await mkdir(join(root, "clusters", environment.name), { recursive: true });
  await writeFile(join(root, "clusters", environment.name, "environment.yaml"), stringify(file));
}

/** Runs Mooring's CLI as a user does, `node bin/mooring.js ARGS`, in `project`. */
export function runMooring(
  context: BenchContext,
  project: BenchProject,
  args: string[],
  options: ClientOptions = {},
): Promise<CommandRun> {
  const { kubeconfig, ...rest } = options;
  return runTimed(process.execPath, [join(project.root, "bin", "mooring.js"), ...args], {
    ...rest,
    cwd: project.root,
    env: { ...process.env, KUBECONFIG: kubeconfig ?? context.kubeconfig },
  });
}

/** Runs kubectl against the local cluster, with a discovery cache of the run's own. */
export function runKubectl(
  context: BenchContext,
  args: string[],
  options: ClientOptions = {},
): Promise<CommandRun> {
  const { kubeconfig, ...rest } = options;
  return runTimed(
    context.kubectl,
    [
      "--kubeconfig",
      kubeconfig ?? context.kubeconfig,
      "--cache-dir",
      join(context.work, "kube-cache"),
      ...args,
    ],
    rest,
  );
}

/**
 * Renders `project` with `args` (such as `--env NAME`) into one file per
 * object in `folder`, for kubectl, with the project's images unless `args` give others.
 */
export async function renderFiles(
  context: BenchContext,
  project: BenchProject,
  args: string[],
  folder: string,
): Promise<void> {
  const images = args.includes("--image") ? [] : project.imageArguments;
  await runMooring(context, project, ["render", ...args, "--out", folder, ...images]);
}

/** Deletes namespaces without waiting, once every section has run. */
export function deleteLater(context: BenchContext, namespaces: string[]): void {
  context.onCleanup(async () => {
    await runKubectl(context, ["delete", "namespace", "--ignore-not-found", "--wait=false", ...namespaces]);
  });
}

// The name of the kubeconfig's current context, which the bench environments name.
async function currentContext(kubeconfig: string): Promise<string> {
  const file = parse(await readFile(kubeconfig, "utf8")) as { "current-context"?: string };
  const name = file["current-context"];
  if (name === undefined || name === "") throw new Error(`Kubeconfig '${kubeconfig}' has no current context`);
  return name;
}

/** Copies what an image build reads into `target`: the project files, services (without build output) and a link to node_modules. */
export async function copyProject(root: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const path of [
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "manifests",
    "clusters",
    ".containerignore",
  ]) {
    await cp(join(root, path), join(target, path), { recursive: true });
  }
  await cp(join(root, "services"), join(target, "services"), {
    recursive: true,
    filter: (source) => !source.includes("/dist") && !source.includes("/node_modules"),
  });
  await symlink(join(root, "node_modules"), join(target, "node_modules"));
}
