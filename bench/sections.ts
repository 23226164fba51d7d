// The benchmark sections, in the order `npm run bench` runs them. A section
// is a module that exports a Section (see harness.ts); add one by importing
// it here, and name it on the command line to run it alone.
import { clusterSection } from "./cluster.ts";
import type { Section } from "./harness.ts";
import { noopSection } from "./noop.ts";
import { renderSection } from "./render.ts";

/** Every section, in the order they run. */
export const SECTIONS: Section[] = [renderSection, noopSection, clusterSection];
