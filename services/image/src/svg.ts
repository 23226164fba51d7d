/** Source of random numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/** Width of the generated image in pixels. */
export const IMAGE_WIDTH = 320;
/** Height of the generated image in pixels. */
export const IMAGE_HEIGHT = 200;

const MIN_SHAPES = 4;
const MAX_SHAPES = 8;
const SHAPE_KINDS = ["circle", "rect", "ellipse", "triangle"] as const;

/**
 * Renders a standalone SVG document of a colored background and 4 to 8 random circles,
 * rectangles, ellipses and triangles. Every number and color comes from `random`, so the
 * same sequence of numbers renders the same image.
 */
export function renderRandomSvg(random: RandomSource): string {
  const shapeCount = randomInteger(random, MIN_SHAPES, MAX_SHAPES);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" viewBox="0 0 ${IMAGE_WIDTH} ${IMAGE_HEIGHT}" role="img" aria-label="Random shapes">`,
    "<title>Random shapes</title>",
    `<rect width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" fill="${randomColor(random)}"/>`,
  ];
  for (let index = 0; index < shapeCount; index++) lines.push(renderShape(random));
  lines.push("</svg>");
  return `${lines.join("\n")}\n`;
}

function renderShape(random: RandomSource): string {
  const kind = SHAPE_KINDS[randomInteger(random, 0, SHAPE_KINDS.length - 1)];
  const paint = `fill="${randomColor(random)}" fill-opacity="${(0.5 + random() * 0.4).toFixed(2)}"`;
  const x = randomInteger(random, 0, IMAGE_WIDTH);
  const y = randomInteger(random, 0, IMAGE_HEIGHT);

  switch (kind) {
    case "circle":
      return `<circle cx="${x}" cy="${y}" r="${randomInteger(random, 10, 60)}" ${paint}/>`;
    case "rect": {
      const width = randomInteger(random, 20, 120);
      const height = randomInteger(random, 20, 90);
      const corner = randomInteger(random, 0, 12);
      return `<rect x="${x - Math.round(width / 2)}" y="${y - Math.round(height / 2)}" width="${width}" height="${height}" rx="${corner}" ${paint}/>`;
    }
    case "ellipse":
      return `<ellipse cx="${x}" cy="${y}" rx="${randomInteger(random, 15, 80)}" ry="${randomInteger(random, 10, 50)}" ${paint}/>`;
    default: // "triangle"
      return `<polygon points="${randomPoint(random)} ${randomPoint(random)} ${randomPoint(random)}" ${paint}/>`;
  }
}

/** Returns an integer from `min` to `max`, both included. */
function randomInteger(random: RandomSource, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function randomColor(random: RandomSource): string {
  return `#${randomInteger(random, 0, 0xffffff).toString(16).padStart(6, "0")}`;
}

function randomPoint(random: RandomSource): string {
  return `${randomInteger(random, 0, IMAGE_WIDTH)},${randomInteger(random, 0, IMAGE_HEIGHT)}`;
}
