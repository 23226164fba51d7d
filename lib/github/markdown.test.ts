import { suite } from "uvu";
import * as assert from "uvu/assert";
import { COMMENT_MARKER, formatReport } from "./markdown.ts";
import type { DeployReport } from "./report.ts";

const format = suite("formatReport");
const report: DeployReport = {
  environment: "preview",
  namespace: "pr-7",
  pullRequest: 7,
  outcome: "failure",
  services: [
    { service: "time", digest: `sha256:${"a".repeat(64)}`, image: "built", readyReplicas: 0, replicas: 1 },
  ],
  plan: { create: 0, update: 1, unchanged: 8, prune: 0 },
  url: "http://pr-7.example.com/",
  error: "Deployment pr-7/time failed: pod time-1 is in CrashLoopBackOff",
  commit: "0123456789abcdef0123",
};

format("writes the whole comment", () => {
  assert.is(
    formatReport(report, { comment: true, runUrl: "https://github.com/acme/shop/actions/runs/9" }),
    `${COMMENT_MARKER}
### ❌ Deploy failed: preview (pr-7)

**URL:** http://pr-7.example.com/

| Service | Image digest | Image | Ready |
| --- | --- | --- | --- |
| time | \`sha256:aaaaaaaaaaaa…\` | built | 0/1 |

**Plan:** 0 to create, 1 to update, 8 unchanged, 0 to prune

**Failure:**

\`\`\`
Deployment pr-7/time failed: pod time-1 is in CrashLoopBackOff
\`\`\`

commit \`0123456789ab\` · [workflow run](https://github.com/acme/shop/actions/runs/9)
`,
  );
});

format("leaves the marker out of a job summary", () => {
  assert.not.match(formatReport(report), COMMENT_MARKER);
});

format("keeps a code fence in the error from closing the block", () => {
  const text = formatReport({ ...report, error: "bad ``` fence" });
  assert.match(text, "bad ''' fence");
});

format.run();
