/** The parts of an npm `package.json` that a pruned install needs. */
export interface PackageManifest {
  name?: string;
  version?: string;
  type?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** One entry of a lockfile's `packages` map. */
interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

/** An npm lockfile, version 2 or 3. */
export interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
  [field: string]: unknown;
}

const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

/**
 * Prunes a project's `package.json` and `package-lock.json` down to the named
 * direct dependencies and everything they need, so that `npm ci` in an image
 * build installs only what the bundle uses. Versions and integrity hashes are
 * kept as locked. Throws when a name is not a direct dependency of the project,
 * or when the lockfile misses a package that a kept package requires.
 */
export function pruneLockfile(
  manifest: PackageManifest,
  lockfile: Lockfile,
  keep: string[],
): { manifest: PackageManifest; lockfile: Lockfile } {
  if (lockfile.lockfileVersion < 2 || typeof lockfile.packages !== "object") {
    throw new Error(
      `Unsupported package-lock.json version '${lockfile.lockfileVersion}': expected 2 or 3; run 'npm install' with npm 7 or newer`,
    );
  }
  const selected = new Set(keep);

  // 1. The direct dependencies to keep, in their original groups.
  const prunedManifest: PackageManifest = {};
  for (const field of ["name", "version", "private", "type"]) {
    if (manifest[field] !== undefined) prunedManifest[field] = manifest[field];
  }
  for (const field of DEPENDENCY_FIELDS) {
    const picked = pick(manifest[field], selected);
    if (picked !== undefined) prunedManifest[field] = picked;
  }
  const declared = DEPENDENCY_FIELDS.flatMap((field) => Object.keys(manifest[field] ?? {}));
  const undeclared = [...selected].filter((name) => !declared.includes(name)).sort();
  if (undeclared.length > 0) {
    throw new Error(
      `package.json does not list '${undeclared.join("', '")}' in its dependencies, but the bundle imports it; add it with 'npm install --save-exact'`,
    );
  }

  // 2. Every lockfile entry those dependencies reach.
  const reached = new Set<string>();
  const pending = [...selected].sort().map((name) => ({ from: "", name, optional: false }));
  while (pending.length > 0) {
    const edge = pending.shift() as { from: string; name: string; optional: boolean };
    const location = resolveLocation(lockfile.packages, edge.from, edge.name);
    if (location === undefined) {
      if (edge.optional) continue;
      const requiredBy = edge.from === "" ? "package.json" : `'${edge.from}'`;
      throw new Error(
        `package-lock.json has no entry for '${edge.name}', which ${requiredBy} requires; run 'npm install' to update the lockfile`,
      );
    }
    if (reached.has(location)) continue;
    reached.add(location);
    pending.push(...requiredPackages(location, lockfile.packages[location] as LockEntry));
  }

  // 3. The pruned lockfile: the root entry with the kept dependencies, then the reached entries.
  const root = { ...(lockfile.packages[""] ?? {}) };
  delete root.bin;
  for (const field of DEPENDENCY_FIELDS) {
    const picked = pick(root[field] as Record<string, string> | undefined, selected);
    if (picked === undefined) delete root[field];
    else root[field] = picked;
  }
  const packages: Record<string, LockEntry> = { "": root };
  for (const location of Object.keys(lockfile.packages).sort()) {
    if (reached.has(location)) packages[location] = lockfile.packages[location] as LockEntry;
  }
  const { dependencies: _legacyTree, ...rest } = lockfile;
  return { manifest: prunedManifest, lockfile: { ...rest, packages } };
}

/**
 * Returns the npm package a bundled file belongs to, from its path relative to
 * the project root, such as `@hono/node-server` for
 * `node_modules/@hono/node-server/dist/index.js`; undefined outside `node_modules/`.
 * A package nested under another one belongs to the outer, top-level package.
 * The path may lead out of the project first, as it does when `node_modules` is a symbolic link.
 */
export function packageOfPath(path: string): string | undefined {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return match?.[1];
}

function pick(dependencies: Record<string, string> | undefined, selected: Set<string>) {
  if (dependencies === undefined) return undefined;
  const entries = Object.entries(dependencies).filter(([name]) => selected.has(name));
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

// Node's resolution: `<from>/node_modules/<name>`, then each enclosing
// node_modules folder, up to the top-level `node_modules/<name>`.
function resolveLocation(packages: Record<string, LockEntry>, from: string, name: string) {
  let base = from;
  for (;;) {
    const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === "") return undefined;
    const parent = base.lastIndexOf("/node_modules/");
    base = parent === -1 ? "" : base.slice(0, parent);
  }
}

function requiredPackages(location: string, entry: LockEntry) {
  const edges = [
    ...Object.keys(entry.dependencies ?? {}).map((name) => ({ from: location, name, optional: false })),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({
      from: location,
      name,
      optional: true,
    })),
    ...Object.keys(entry.peerDependencies ?? {}).map((name) => ({
      from: location,
      name,
      optional: entry.peerDependenciesMeta?.[name]?.optional === true,
    })),
  ];
  return edges;
}
