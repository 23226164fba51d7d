import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closestMatch } from "./suggest.ts";

const closestMatchSuite = suite("closestMatch");
const KEYS = ["replicas", "autoscaling", "expose", "resources", "env"];

closestMatchSuite("suggests a key one or two edits away", () => {
  assert.is(closestMatch("replica", KEYS), "replicas");
  assert.is(closestMatch("resouces", KEYS), "resources");
  assert.is(closestMatch("exopse", KEYS), "expose");
});

closestMatchSuite("suggests a key in another case", () => {
  assert.is(closestMatch("Replicas", KEYS), "replicas");
});

closestMatchSuite("allows one edit for short words", () => {
  assert.is(closestMatch("evn", KEYS), "env");
  assert.is(closestMatch("eny", KEYS), "env");
  assert.is(closestMatch("xyz", KEYS), undefined);
});

closestMatchSuite("suggests nothing for a distant word", () => {
  assert.is(closestMatch("colour", KEYS), undefined);
  assert.is(closestMatch("replicas", []), undefined);
});

closestMatchSuite.run();
