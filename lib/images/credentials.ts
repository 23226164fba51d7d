import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { RegistryCredentials } from "./registry-auth.ts";

/** Names of the environment variables that hold a registry's user name and password (or token). */
export interface CredentialVariables {
  username: string;
  password: string;
}

/** The variables read when the environment file names none. */
export const DEFAULT_CREDENTIAL_VARIABLES: CredentialVariables = {
  username: "MOORING_REGISTRY_USERNAME",
  password: "MOORING_REGISTRY_PASSWORD",
};

/** Registry credentials and their source. */
export interface FoundCredentials {
  credentials: RegistryCredentials;
  /** The variables' names or the auth file's path; never the secret. */
  source: string;
  /** True when they came from variables, so builders need an auth file written for them. */
  fromVariables: boolean;
}

/**
 * Finds the credentials for `registry`: first the two environment variables
 * (both or neither must be set), then the `auths` entry for the registry in
 * the auth files podman, buildah and docker write on login
 * (`REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
 * `~/.config/containers/auth.json`, `$DOCKER_CONFIG/config.json` or
 * `~/.docker/config.json`). Returns undefined when none has them, and
 * the registry is then used anonymously.
 */
export function findCredentials(
  registry: string,
  variables: CredentialVariables = DEFAULT_CREDENTIAL_VARIABLES,
  env: NodeJS.ProcessEnv = process.env,
): FoundCredentials | undefined {
  // 1. Environment variables.
  const username = env[variables.username];
  const password = env[variables.password];
  if (username && password) {
    return {
      credentials: { username, password },
      source: `$${variables.username} and $${variables.password}`,
      fromVariables: true,
    };
  }
  if (username || password) {
    const missing = username ? variables.password : variables.username;
    const present = username ? variables.username : variables.password;
    throw new Error(
      `Registry credentials are incomplete: '${present}' is set but '${missing}' is not; set both or neither`,
    );
  }

  // 2. Auth files written by `podman login`, `buildah login` or `docker login`.
  for (const file of authFiles(env)) {
    const credentials = readAuthFile(file, registry);
    if (credentials !== undefined) return { credentials, source: file, fromVariables: false };
  }
  return undefined;
}

/**
 * Writes `credentials` for `registry` into a new auth file readable only by
 * this user, in the `auths` format that podman, buildah and docker read.
 * Returns its folder and path. The caller removes the folder when the builds are done.
 */
export async function writeAuthFile(
  registry: string,
  credentials: RegistryCredentials,
): Promise<{ folder: string; file: string }> {
  const folder = await mkdtemp(join(tmpdir(), "mooring-auth-"));
  await chmod(folder, 0o700);
  const file = join(folder, "auth.json");
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
  try {
    await writeFile(file, `${JSON.stringify({ auths: { [registry]: { auth } } })}\n`, { mode: 0o600 });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return { folder, file };
}

function authFiles(env: NodeJS.ProcessEnv): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  files.push(join(env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "containers", "auth.json"));
  files.push(join(env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json"));
  return files;
}

// NOTE: only inline `auth` entries are read; a docker `credsStore` or `credHelpers`
// entry is skipped, so such a login needs the credentials' variables instead.
function readAuthFile(file: string, registry: string): RegistryCredentials | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: { auths?: Record<string, { auth?: string }> };
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    // V8's message quotes the text around the error, which may be part of an 'auth' value.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    const where = position === undefined ? "" : ` at position ${position}`;
    throw new Error(`Invalid registry auth file '${file}': not valid JSON${where}; fix it, or log in again`);
  }
  for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
    const host = key.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    if (host !== registry || typeof entry.auth !== "string") continue;
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}
