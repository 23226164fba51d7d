import { suite } from "uvu";
import * as assert from "uvu/assert";
import { describeChanges, formatSize } from "./service-image.ts";

const describeChangesSuite = suite("describeChanges");

describeChangesSuite("names up to three changes", () => {
  assert.is(describeChanges(["changed file:a.ts"]), "inputs changed: changed file:a.ts");
  assert.is(
    describeChanges(["changed file:a.ts", "added file:b.ts", "removed file:c.ts", "changed Containerfile"]),
    "inputs changed: changed file:a.ts, added file:b.ts, removed file:c.ts and 1 more",
  );
});

describeChangesSuite("explains a build with nothing to compare", () => {
  assert.is(describeChanges(undefined), "no image in the registry has these inputs");
});

const formatSizeSuite = suite("formatSize");

formatSizeSuite("prints MiB with one decimal", () => {
  assert.is(formatSize(40_000_000), "38.1 MiB");
});

describeChangesSuite.run();
formatSizeSuite.run();
