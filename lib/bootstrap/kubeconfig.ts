import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parse, stringify } from "yaml";

/** kubeadm's names in the admin kubeconfig; used when the environment names no context. */
const KUBEADM_CONTEXT = "kubernetes-admin@kubernetes";

interface NamedEntry {
  name: string;
  [key: string]: unknown;
}

interface Kubeconfig {
  clusters?: NamedEntry[];
  contexts?: NamedEntry[];
  users?: NamedEntry[];
  "current-context"?: string;
  [key: string]: unknown;
}

/**
 * Merges kubeadm's admin kubeconfig into `existing` (a kubeconfig file's text,
 * or undefined for none) under the context name `context`: its cluster, user
 * and context replace entries of the same names and leave the others alone.
 * The current context is set when the file had none or `context` is undefined,
 * because a deploy without `cluster.context` uses the current one.
 */
export function mergeKubeconfig(
  existing: string | undefined,
  admin: string,
  context: string | undefined,
): string {
  const source = parseKubeconfig(admin, "the admin kubeconfig from the control plane");
  const cluster = source.clusters?.[0]?.cluster;
  const user = source.users?.[0]?.user;
  if (cluster === undefined || user === undefined) {
    throw new Error("the admin kubeconfig from the control plane has no cluster or no user");
  }
  const name = context ?? KUBEADM_CONTEXT;
  const target: Kubeconfig =
    existing === undefined || existing.trim() === ""
      ? {}
      : parseKubeconfig(existing, "the existing kubeconfig");
  const merged: Kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    ...target,
    clusters: upsert(target.clusters, { name, cluster }),
    users: upsert(target.users, { name: `${name}-admin`, user }),
    contexts: upsert(target.contexts, { name, context: { cluster: name, user: `${name}-admin` } }),
  };
  if (context === undefined || target["current-context"] === undefined) merged["current-context"] = name;
  return stringify(merged);
}

// Parses a kubeconfig. On a syntax error, only the first line of the parser's
// message is kept, because the rest quotes the file's lines around the error,
// which may contain a client key or a token.
function parseKubeconfig(text: string, description: string): Kubeconfig {
  try {
    return parse(text) as Kubeconfig;
  } catch (error) {
    throw new Error(`${description} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** Reads a file's text, or undefined when it does not exist. */
export async function readOptionalFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Writes `content` to `path` with mode 0600 through a temporary file, so no reader sees half a file. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, path);
}

function upsert(entries: NamedEntry[] | undefined, entry: NamedEntry): NamedEntry[] {
  const list = [...(entries ?? [])];
  const index = list.findIndex((candidate) => candidate.name === entry.name);
  if (index === -1) list.push(entry);
  else list[index] = entry;
  return list;
}
