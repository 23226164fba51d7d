import { suite } from "uvu";
import * as assert from "uvu/assert";
import { sweepReason } from "./preview-cluster.ts";

const reason = suite("sweepReason");
const now = new Date("2026-03-10T12:00:00Z");

reason("removes a preview whose pull request is closed", () => {
  const preview = { namespace: "pr-7", pullRequest: 7, lastAppliedAt: "2026-03-10T11:00:00Z" };
  assert.is(sweepReason(preview, new Set([8]), 72, now), "pull request #7 is not open");
});

reason("removes a preview past its time-to-live", () => {
  const preview = { namespace: "pr-7", pullRequest: 7, lastAppliedAt: "2026-03-07T11:00:00Z" };
  assert.is(
    sweepReason(preview, new Set([7]), 72, now),
    "its last deploy was 73 hours ago, over the time-to-live of 72 hours",
  );
});

reason("keeps an open preview deployed recently", () => {
  const preview = { namespace: "pr-7", pullRequest: 7, lastAppliedAt: "2026-03-08T13:00:00Z" };
  assert.is(sweepReason(preview, new Set([7]), 72, now), undefined);
});

reason("keeps an open preview with no recorded revision", () => {
  assert.is(sweepReason({ namespace: "pr-7", pullRequest: 7 }, new Set([7]), 1, now), undefined);
});

reason.run();
