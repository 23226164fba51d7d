import type { Context } from "hono";
import { createServiceApp, type Logger, type ServiceApp } from "../../common/src/index.ts";
import { type RandomSource, renderRandomSvg } from "./svg.ts";

/** Options for {@link createApp}. */
export interface ImageAppOptions {
  logger: Logger;
  /** Name of the pod serving requests, sent in the `x-pod-name` header. */
  podName: string;
  /** Random source for the images. The default is `Math.random`. */
  random?: RandomSource;
}

/** Content type of every image the service returns. */
export const SVG_CONTENT_TYPE = "image/svg+xml; charset=utf-8";

/**
 * Creates the image service: `GET /` and `GET /image` return a new random SVG image, with the
 * name of the pod that rendered it in the `x-pod-name` header.
 */
export function createApp(options: ImageAppOptions): ServiceApp {
  const random = options.random ?? Math.random;
  const service = createServiceApp(options.logger);

  const sendImage = (c: Context) =>
    c.body(renderRandomSvg(random), 200, {
      "Content-Type": SVG_CONTENT_TYPE,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "X-Pod-Name": options.podName,
    });
  service.app.get("/", sendImage);
  service.app.get("/image", sendImage);

  return service;
}
