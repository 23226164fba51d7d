import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KubeObject } from "./objects.ts";
import { objectFileName, toYamlStream } from "./render.ts";

/** The file in an output folder that lists what the last `mooring render --out` wrote there. */
export const OUTPUT_MARKER = ".mooring-render";

/**
 * Writes one YAML file per object into `folder`, named by apply order, kind
 * and name, so that `kubectl apply -f folder` applies them in order. Files
 * the previous render wrote there are removed first, so the folder contains
 * exactly this render. A folder that has other files and no marker is
 * rejected rather than cleaned. Returns the names of the files written.
 */
export async function writeObjectFiles(folder: string, objects: KubeObject[]): Promise<string[]> {
  // 1. Check the folder and remove the previous render.
  await mkdir(folder, { recursive: true });
  const entries = await readdir(folder);
  if (entries.length > 0) {
    if (!entries.includes(OUTPUT_MARKER)) {
      throw new Error(
        `Output folder '${folder}' is not empty and was not written by 'mooring render'; give an empty or new folder`,
      );
    }
    const previous = (await readFile(join(folder, OUTPUT_MARKER), "utf8")).split("\n").filter(isOwnFileName);
    for (const name of previous) await rm(join(folder, name), { force: true });
  }

  // 2. Write the objects, then the marker.
  const names = objects.map(objectFileName);
  for (const [index, object] of objects.entries()) {
    await writeFile(join(folder, names[index] as string), toYamlStream([object]));
  }
  await writeFile(join(folder, OUTPUT_MARKER), `${names.join("\n")}\n`);
  return names;
}

// A name the marker may list: a plain file name that objectFileName could
// produce, never a path, so a tampered marker cannot remove other files.
function isOwnFileName(name: string): boolean {
  return /^[0-9]+-[a-z0-9]+-[a-z0-9.-]+\.yaml$/.test(name);
}
