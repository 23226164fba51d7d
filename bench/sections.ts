// The benchmark sections, in the order `npm run bench` runs them. A section
// is a module that exports a Section (see harness.ts). To add one, import it
// here; its name on the command line runs it alone.
import { changedSection } from "./changed.ts";
import { clusterSection } from "./cluster.ts";
import type { Section } from "./harness.ts";
import { imagesSection } from "./images.ts";
import { memorySection } from "./memory.ts";
import { noopSection } from "./noop.ts";
import { pruneSection } from "./prune.ts";
import { renderSection } from "./render.ts";
import { servicesSection } from "./services.ts";
import { startupSection } from "./startup.ts";

/** Every section, in the order they run. */
export const SECTIONS: Section[] = [
  renderSection,
  noopSection,
  changedSection,
  pruneSection,
  startupSection,
  imagesSection,
  servicesSection,
  memorySection,
  clusterSection,
];
