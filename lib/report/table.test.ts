import { suite } from "uvu";
import * as assert from "uvu/assert";
import { formatTable, shortDigest } from "./table.ts";

const formatTableSuite = suite("formatTable");

formatTableSuite("aligns columns", () => {
  assert.is(
    formatTable(
      ["SERVICE", "READY"],
      [
        ["frontend", "2/2"],
        ["time", "1/2"],
      ],
    ),
    "SERVICE   READY\nfrontend  2/2\ntime      1/2",
  );
});

const shortDigestSuite = suite("shortDigest");

shortDigestSuite("keeps twelve hex digits", () => {
  assert.is(shortDigest(`sha256:${"ab".repeat(32)}`), "sha256:abababababab");
});

formatTableSuite.run();
shortDigestSuite.run();
