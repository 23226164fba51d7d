import { suite } from "uvu";
import * as assert from "uvu/assert";
import { checkRequestBody } from "./request-shapes.ts";

const check = suite("checkRequestBody");

check("accepts a body of the operation's shape", () => {
  assert.equal(
    checkRequestBody("repos/create-deployment", { ref: "abc", environment: "pr-1", auto_merge: false }),
    [],
  );
});

check("reports a missing required field", () => {
  assert.equal(checkRequestBody("issues/create-comment", {}), ["issues/create-comment: 'body' is missing"]);
});

check("reports a field the operation does not have", () => {
  assert.equal(checkRequestBody("repos/create-commit-status", { state: "success", environment_url: "x" }), [
    "repos/create-commit-status: 'environment_url' is not a field of this operation",
  ]);
});

check("reports a value outside the enum", () => {
  assert.equal(checkRequestBody("repos/create-deployment-status", { state: "done" }), [
    "repos/create-deployment-status: 'state' is \"done\", expected one of error, failure, inactive, in_progress, queued, pending, success",
  ]);
});

check.run();
