import type { Project } from "./load.ts";

/**
 * Returns the URL of the environment's public service: a preview's `url`, an
 * Ingress host (https when it has a TLS secret) or a NodePort's host and port.
 * Returns undefined when no public service is exposed outside the cluster.
 */
export function environmentUrl(project: Project): string | undefined {
  const { environment } = project;
  if (environment.preview !== undefined) return environment.preview.url;
  for (const service of project.services) {
    const expose = environment.services[service.name]?.expose;
    if (service.visibility !== "public" || expose === undefined) continue;
    if (expose.type === "NodePort") return `http://${expose.host}:${expose.nodePort}/`;
    if (expose.type === "Ingress") {
      const scheme = expose.tlsSecretName === undefined ? "http" : "https";
      return `${scheme}://${expose.host}${expose.path}`;
    }
  }
  return undefined;
}
