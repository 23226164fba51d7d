import type { EnvReader } from "../../common/src/index.ts";

/** Rule that chose a backend URL. The rules are listed in order of precedence. */
export type DiscoveryRule = "url-variable" | "service-variables" | "dns-name";

/** URL of a backend service and the rule that chose it. */
export interface BackendTarget {
  url: URL;
  rule: DiscoveryRule;
  /** Variables or default that set the URL, named in the startup log. */
  source: string;
}

/**
 * Finds the URL of the Kubernetes Service named `service` (such as "time"). Three rules are
 * tried in order, shown here for "time":
 * 1. `TIME_URL`, which must be an absolute http(s) URL.
 * 2. `TIME_SERVICE_HOST` and `TIME_SERVICE_PORT`, which Kubernetes injects into pods started
 *    after the Service exists. An IPv6 host is put in brackets.
 * 3. The Service's DNS name, `http://time` on port 80.
 * Invalid values are recorded in `reader`. The returned target is then only a placeholder,
 * because `reader.check()` will throw.
 */
export function resolveBackend(reader: EnvReader, service: string): BackendTarget {
  // Kubernetes derives the variable prefix from the Service name this way.
  const prefix = service.toUpperCase().replaceAll("-", "_");
  const dnsTarget: BackendTarget = {
    url: new URL(`http://${service}`),
    rule: "dns-name",
    source: "Service DNS name",
  };

  // 1. Explicit URL
  const urlName = `${prefix}_URL`;
  if (reader.string(urlName) !== undefined) {
    const url = reader.httpUrl(urlName);
    return url ? { url, rule: "url-variable", source: urlName } : dnsTarget;
  }

  // 2. Variables that Kubernetes injects for the Service
  const hostName = `${prefix}_SERVICE_HOST`;
  const portName = `${prefix}_SERVICE_PORT`;
  const host = reader.string(hostName);
  const port = reader.string(portName);
  if (host !== undefined || port !== undefined) {
    const url = readServiceVariables(reader, { hostName, portName, host, port });
    return url ? { url, rule: "service-variables", source: `${hostName} and ${portName}` } : dnsTarget;
  }

  // 3. Service DNS name
  return dnsTarget;
}

interface ServiceVariables {
  hostName: string;
  portName: string;
  host: string | undefined;
  port: string | undefined;
}

function readServiceVariables(reader: EnvReader, variables: ServiceVariables): URL | undefined {
  const { hostName, portName, host, port } = variables;
  if (host === undefined || port === undefined) {
    const [setName, missingName] = host === undefined ? [portName, hostName] : [hostName, portName];
    reader.problems.push(
      `Environment variable ${setName} is set but ${missingName} is missing. Set both or neither.`,
    );
    return undefined;
  }

  const portNumber = reader.integer(portName, 0, { min: 1, max: 65535 });
  const urlHost = formatUrlHost(host);
  if (urlHost === undefined) {
    reader.reject(hostName, host, "an IPv4 address, an IPv6 address or a host name");
    return undefined;
  }
  return portNumber === 0 ? undefined : new URL(`http://${urlHost}:${portNumber}`);
}

/** Returns the host as written in a URL, with an IPv6 address in brackets, or undefined when invalid. */
function formatUrlHost(host: string): string | undefined {
  const isIpv6 = host.includes(":");
  const unbracketed = isIpv6 ? host.replace(/^\[(.*)\]$/, "$1") : host;
  const urlHost = isIpv6 ? `[${unbracketed}]` : host;

  // Letters, digits, dots and hyphens cover IPv4 addresses and DNS names, and stop a value
  // such as 'host/path' or 'user@host' from changing the URL's meaning.
  const allowed = isIpv6 ? /^[0-9a-fA-F:.]+$/ : /^[a-zA-Z0-9.-]+$/;
  if (!allowed.test(unbracketed) || !URL.canParse(`http://${urlHost}`)) return undefined;
  return urlHost;
}
