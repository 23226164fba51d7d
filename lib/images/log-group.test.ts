import { suite } from "uvu";
import * as assert from "uvu/assert";
import { defaultGroupStyle, LogGroup } from "./log-group.ts";

const logGroupSuite = suite("LogGroup");

logGroupSuite("prints plain lines prefixed by the service", () => {
  const printed: string[] = [];
  const group = new LogGroup("time", "plain");
  group.add("inputs: 15 files");
  group.flush((line) => printed.push(line), "reused in 0.1 s");
  assert.equal(printed, ["[time] reused in 0.1 s", "[time]   inputs: 15 files"]);
});

logGroupSuite("leaves plain details out on request", () => {
  const printed: string[] = [];
  const group = new LogGroup("time", "plain");
  group.add("inputs: 15 files");
  group.flush((line) => printed.push(line), "reused in 0.1 s", false);
  assert.equal(printed, ["[time] reused in 0.1 s"]);
});

logGroupSuite("folds GitHub Actions groups", () => {
  const printed: string[] = [];
  const group = new LogGroup("time", "github");
  group.add("pushed");
  group.flush((line) => printed.push(line), "built in 5.0 s");
  group.flush((line) => printed.push(line), "again");
  assert.equal(printed, [
    "::group::time: built in 5.0 s",
    "pushed",
    "::endgroup::",
    "::group::time: again",
    "::endgroup::",
  ]);
});

logGroupSuite("picks the style from GITHUB_ACTIONS", () => {
  assert.is(defaultGroupStyle({ GITHUB_ACTIONS: "true" }), "github");
  assert.is(defaultGroupStyle({}), "plain");
});

logGroupSuite.run();
