import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseOutputFile } from "./run-action.ts";

const parse = suite("parseOutputFile");

parse("reads single and multi-line outputs", () => {
  const text =
    "url<<ghadelimiter_1\nhttp://x/\nghadelimiter_1\nreport<<ghadelimiter_2\n{\n}\nghadelimiter_2\n";
  assert.equal(parseOutputFile(text), { url: "http://x/", report: "{\n}" });
});

parse("reads an empty output", () => {
  assert.equal(parseOutputFile("plan<<ghadelimiter_3\n\nghadelimiter_3\n"), { plan: "" });
});

parse.run();
