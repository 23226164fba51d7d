import { appendFile, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { runCommand } from "../../process.ts";
import { REPOSITORY_ROOT } from "../../testing/fixture.ts";

/** A scratch clone of the repository whose environments point at the local cluster, with a bare remote of its own. */
export interface ScratchClone {
  /** The clone's work tree, used as `GITHUB_WORKSPACE`. */
  root: string;
  /** The bare repository that is the clone's `origin`. */
  remote: string;
  /** Runs git in the clone; returns stdout. */
  git(...args: string[]): Promise<string>;
  remove(): Promise<void>;
}

/** Settings that make an environment deploy to the local cluster and registry, as clusters/local does. */
const LOCAL_CLUSTER_SETTINGS: Array<[string[], unknown]> = [
  [["kubernetesVersion"], "1.20"],
  [["images", "registry"], "localhost:5000/mooring"],
  [["images", "base"], "local-node"],
  [["images", "insecure"], true],
];

/**
 * Clones the committed repository into /tmp through a bare remote there, so
 * a push never reaches the real repository. Each environment named in
 * `environments` is pointed at the local cluster and, unless it is a preview
 * template (value undefined), moved to the namespace given. The change is
 * committed and pushed to the remote's `main`.
 */
export async function createScratchClone(
  environments: Record<string, string | undefined>,
): Promise<ScratchClone> {
  const base = await mkdtemp(join(tmpdir(), "mooring-clone-"));
  try {
    return await populateClone(base, environments);
  } catch (error) {
    await rm(base, { recursive: true, force: true });
    throw error;
  }
}

async function populateClone(
  base: string,
  environments: Record<string, string | undefined>,
): Promise<ScratchClone> {
  const remote = join(base, "remote.git");
  const root = join(base, "work");
  await runCommand("git", ["clone", "--quiet", "--bare", REPOSITORY_ROOT, remote]);
  await runCommand("git", ["clone", "--quiet", remote, root]);
  const git = async (...args: string[]) =>
    (
      await runCommand(
        "git",
        ["-c", "user.name=Mooring Test", "-c", "user.email=test@mooring.invalid", ...args],
        { cwd: root },
      )
    ).stdout.trim();

  // What `npm ci` in a workflow provides: the actions load esbuild, and esbuild the services' packages.
  await symlink(join(REPOSITORY_ROOT, "node_modules"), join(root, "node_modules"));
  await appendFile(join(root, ".git", "info", "exclude"), "node_modules\n");

  for (const [environment, namespace] of Object.entries(environments)) {
    const file = join(root, "clusters", environment, "environment.yaml");
    const document = parseDocument(await readFile(file, "utf8"));
    for (const [path, value] of LOCAL_CLUSTER_SETTINGS) document.setIn(path, value);
    document.setIn(["cluster"], { kubeconfig: join(REPOSITORY_ROOT, ".mooring", "kubeconfig") });
    if (namespace !== undefined) document.setIn(["namespace"], namespace);
    await writeFile(file, document.toString());
  }
  if (Object.keys(environments).length > 0) {
    await git("commit", "--quiet", "-am", "Point the environments at the local cluster");
    await git("push", "--quiet", "origin", "HEAD:main");
  }
  return { root, remote, git, remove: () => rm(base, { recursive: true, force: true }) };
}
