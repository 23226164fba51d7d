import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type RandomSource, renderRandomSvg } from "./svg.ts";

/**
 * Linear congruential generator (Numerical Recipes constants), so each seed gives a fixed sequence.
 * The seed is first multiplied by 2^32 / golden ratio, because the first outputs of nearby seeds
 * would otherwise be nearly equal.
 */
function createSeededRandom(seed: number): RandomSource {
  let state = Math.imul(seed, 0x9e3779b9) >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Returns the element names in the order their tags open, failing on any tag that does not nest. */
function parseElements(svg: string): string[] {
  const open: string[] = [];
  const seen: string[] = [];
  for (const [tag, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    if (closing) {
      assert.is(open.pop(), name, `closing tag ${tag} does not match`);
    } else {
      seen.push(name ?? "");
      if (!selfClosing) open.push(name ?? "");
    }
  }
  assert.equal(open, [], "every element is closed");
  return seen;
}

const renderSuite = suite("renderRandomSvg");

renderSuite("starts with the svg element and namespace", () => {
  const svg = renderRandomSvg(createSeededRandom(1));

  assert.ok(svg.startsWith("<svg "));
  assert.ok(svg.includes('xmlns="http://www.w3.org/2000/svg"'));
});

renderSuite("ends by closing the svg element", () => {
  const svg = renderRandomSvg(createSeededRandom(1));

  assert.ok(svg.trimEnd().endsWith("</svg>"));
});

renderSuite("nests every tag", () => {
  for (let seed = 0; seed < 50; seed++) {
    const elements = parseElements(renderRandomSvg(createSeededRandom(seed)));

    assert.is(elements[0], "svg", `seed ${seed}`);
    assert.is(elements.filter((name) => name === "svg").length, 1, `seed ${seed}`);
  }
});

renderSuite("draws 4 to 8 shapes on a background", () => {
  const counts = new Set<number>();
  for (let seed = 0; seed < 200; seed++) {
    const elements = parseElements(renderRandomSvg(createSeededRandom(seed)));
    // svg, title and the background rect come before the shapes.
    counts.add(elements.length - 3);
  }

  assert.equal([...counts].sort(), [4, 5, 6, 7, 8]);
});

renderSuite("uses only numbers and hex colors", () => {
  const svg = renderRandomSvg(createSeededRandom(7));
  const values = [...svg.matchAll(/ (?!xmlns|viewBox|role|aria-label)[a-z-]+="([^"]*)"/g)].map(
    (match) => match[1],
  );

  for (const value of values) assert.match(value ?? "", /^(#[0-9a-f]{6}|[-0-9., ]+)$/);
});

renderSuite("repeats for the same sequence", () => {
  assert.is(renderRandomSvg(createSeededRandom(42)), renderRandomSvg(createSeededRandom(42)));
});

renderSuite("differs between sequences", () => {
  assert.is.not(renderRandomSvg(createSeededRandom(1)), renderRandomSvg(createSeededRandom(2)));
});

renderSuite("handles the extremes of the range", () => {
  const lowest = parseElements(renderRandomSvg(() => 0));
  const highest = parseElements(renderRandomSvg(() => 0.999999));

  assert.is(lowest.length - 3, 4);
  assert.is(highest.length - 3, 8);
});

renderSuite.run();
