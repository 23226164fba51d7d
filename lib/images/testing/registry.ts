// Registries of a test's own: the distribution registry (Debian's
// docker-registry) on 127.0.0.1 and a free port, with its storage in the
// test's folder and the authentication the test gives it.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** A running test registry. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry part of an image name. */
  host: string;
  /** The folder its blobs and manifests are stored in. */
  storage: string;
  child: ChildProcess;
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a registry named `name` with its configuration and storage in
 * `folder`, and `auth` as the YAML lines under its `auth:` key (such as an
 * htpasswd or token section). Resolves once `/v2/` rejects anonymous access
 * with 401, so `auth` must require authentication.
 */
export async function startRegistry(folder: string, name: string, auth: string): Promise<TestRegistry> {
  const port = await freePort();
  const config = join(folder, `${name}.yaml`);
  const storage = join(folder, `${name}-data`);
  await writeFile(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${storage}`,
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "auth:",
      auth,
      "",
    ].join("\n"),
  );
  const child = spawn("/usr/bin/docker-registry", ["serve", config], { stdio: "ignore" });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (response.status === 401) return { host: `127.0.0.1:${port}`, storage, child };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGTERM");
  throw new Error(`Registry '${name}' did not respond on 127.0.0.1:${port} within 10 seconds`);
}

/** Stops a registry that `startRegistry` started and waits until it has exited. */
export function stopRegistry(registry: TestRegistry): Promise<void> {
  const { child } = registry;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
