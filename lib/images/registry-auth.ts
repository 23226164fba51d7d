/** A user name and password (or token) for a registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** A parsed `WWW-Authenticate` header: the scheme and its parameters, such as `realm`. */
export interface Challenge {
  scheme: string;
  parameters: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header such as
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"`.
 * Quoted values may contain commas.
 */
export function parseChallenge(header: string): Challenge {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (match === null) return { scheme: "", parameters: {} };
  const parameters: Record<string, string> = {};
  const pattern = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const parameter of (match[2] ?? "").matchAll(pattern)) {
    const value = parameter[2] !== undefined ? parameter[2].replace(/\\(.)/g, "$1") : (parameter[3] ?? "");
    parameters[(parameter[1] as string).toLowerCase()] = value;
  }
  return { scheme: (match[1] as string).toLowerCase(), parameters };
}

/**
 * Responds to registry challenges and keeps the resulting `Authorization` header
 * per scope for later requests. Basic auth sends the credentials directly;
 * bearer auth trades them at the token service named in the challenge.
 */
export class TokenCache {
  private readonly headers = new Map<string, string>();
  private basic: string | undefined;

  /** Returns the cached `Authorization` header for `scope`, if any. */
  header(scope: string): string | undefined {
    return this.headers.get(scope) ?? this.basic;
  }

  /** Responds to `challenge` for `scope` and returns the `Authorization` header to retry with. */
  async authorize(
    challenge: Challenge,
    scope: string,
    credentials: RegistryCredentials | undefined,
    registry: string,
  ): Promise<string> {
    if (challenge.scheme === "basic") {
      if (credentials === undefined) {
        throw new Error(
          `Registry '${registry}' requires basic authentication, but no credentials are set; set the registry credentials' variables`,
        );
      }
      this.basic = basicAuthorization(credentials);
      return this.basic;
    }
    if (challenge.scheme !== "bearer" || challenge.parameters.realm === undefined) {
      throw new Error(
        `Registry '${registry}' sent an unsupported authentication challenge '${challenge.scheme}'; expected 'Bearer' with a realm, or 'Basic'`,
      );
    }
    const token = await fetchToken(challenge, scope, credentials, registry);
    const header = `Bearer ${token}`;
    this.headers.set(scope, header);
    return header;
  }
}

/** Formats `Authorization: Basic …` for `credentials`. */
export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}

// The token flow of the distribution spec: GET realm?service=…&scope=…, with basic auth when there are credentials.
async function fetchToken(
  challenge: Challenge,
  scope: string,
  credentials: RegistryCredentials | undefined,
  registry: string,
): Promise<string> {
  const url = new URL(challenge.parameters.realm as string);
  if (challenge.parameters.service !== undefined)
    url.searchParams.set("service", challenge.parameters.service);
  url.searchParams.set("scope", challenge.parameters.scope ?? scope);
  const headers: Record<string, string> = {};
  if (credentials !== undefined) headers.authorization = basicAuthorization(credentials);
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (error) {
    throw new Error(
      `Token service of registry '${registry}' is not reachable at ${url.origin}${url.pathname}`,
      {
        cause: error,
      },
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(
      `Token service of registry '${registry}' returned HTTP ${response.status} for scope '${url.searchParams.get("scope")}'; check the registry credentials`,
    );
  }
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (typeof token !== "string" || token === "") {
    throw new Error(`Token service of registry '${registry}' returned no 'token' or 'access_token'`);
  }
  return token;
}
