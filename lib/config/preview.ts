import { PULL_REQUEST_PLACEHOLDER } from "./fields.ts";
import type { Environment } from "./schema.ts";

/** Tells whether an environment is a preview template, one with a `preview` mapping. */
export function isPreviewTemplate(environment: Environment): boolean {
  return environment.preview !== undefined;
}

/**
 * Makes the environment of pull request `pullRequest` from a preview template:
 * replaces `{number}` in the namespace, the Ingress hosts and the URL.
 */
export function instantiatePreview(template: Environment, pullRequest: number): Environment {
  const fill = (value: string) => value.replaceAll(PULL_REQUEST_PLACEHOLDER, String(pullRequest));
  const services = Object.fromEntries(
    Object.entries(template.services).map(([name, placement]) => {
      const expose = placement.expose;
      return [
        name,
        expose?.type === "Ingress"
          ? { ...placement, expose: { ...expose, host: fill(expose.host) } }
          : placement,
      ];
    }),
  );
  const preview =
    template.preview === undefined ? undefined : { ...template.preview, url: fill(template.preview.url) };
  return { ...template, namespace: fill(template.namespace), services, preview };
}

/**
 * Checks a pull request number given on the command line or by a workflow;
 * returns it as a number. `source` names the value in the message, such as
 * `input 'pull-request'`.
 */
export function parsePullRequestNumber(value: string, source = "pull request number"): number {
  if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > 2147483647) {
    throw new Error(`Invalid ${source}: '${value}'; expected a positive integer such as '42'`);
  }
  return Number(value);
}
