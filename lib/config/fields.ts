import { z } from "zod";

// Field schemas shared by the environment and service schemas. Every message
// starts with "expected", so that yaml-file.ts can append the value it got.

/** The placeholder for the pull request number in a preview environment. */
export const PULL_REQUEST_PLACEHOLDER = "{number}";

/** The largest pull request number a preview template must fit: 10 digits, as many as a 32-bit integer has. */
export const MAX_PULL_REQUEST_NUMBER = "9999999999";

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Tells whether `value` is a DNS-1123 label, the form of namespace and most object names. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_1123_LABEL.test(value);
}

/** Tells whether `value` is a DNS-1123 subdomain, such as a host name. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_1123_SUBDOMAIN.test(value);
}

const DNS_LABEL_EXPECTED =
  "expected a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters";

/** A DNS-1123 label: lowercase letters, digits and '-', at most 63 characters. */
export const dnsLabel = z
  .string({ error: DNS_LABEL_EXPECTED })
  .refine(isDnsLabel, { error: DNS_LABEL_EXPECTED });

const SERVICE_NAME_EXPECTED =
  "expected a DNS-1035 label: a lowercase letter, then lowercase letters, digits and '-', at most 63 characters";

/**
 * A DNS-1035 label, which a Service name must be: a DNS-1123 label that starts
 * with a letter. Service names also give the `<NAME>_SERVICE_HOST` variables.
 */
export const serviceName = z
  .string({ error: SERVICE_NAME_EXPECTED })
  .refine((value) => value.length <= 63 && DNS_1035_LABEL.test(value), { error: SERVICE_NAME_EXPECTED });

/**
 * A DNS-1123 label that may contain `{number}`, the pull request number of a
 * preview environment. It must stay a valid label for a number of up to 10 digits.
 */
export const dnsLabelTemplate = z
  .string({ error: DNS_LABEL_EXPECTED })
  .refine((value) => isDnsLabel(value.replaceAll(PULL_REQUEST_PLACEHOLDER, MAX_PULL_REQUEST_NUMBER)), {
    error: (issue) =>
      String(issue.input).includes(PULL_REQUEST_PLACEHOLDER)
        ? `${DNS_LABEL_EXPECTED}, counting '{number}' as 10 digits`
        : DNS_LABEL_EXPECTED,
  });

const HOST_EXPECTED = "expected a lowercase DNS host name such as 'shop.example.com'";

/** A host name that may contain `{number}`, like {@link dnsLabelTemplate}. */
export const hostTemplate = z
  .string({ error: HOST_EXPECTED })
  .refine((value) => isDnsSubdomain(value.replaceAll(PULL_REQUEST_PLACEHOLDER, MAX_PULL_REQUEST_NUMBER)), {
    error: HOST_EXPECTED,
  });

// An image reference: an optional registry host with its port, lowercase path
// components, an optional tag and an optional sha256 digest.
const REFERENCE_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REFERENCE_HOST =
  "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?";
const IMAGE_REFERENCE = new RegExp(
  `^(?:${REFERENCE_HOST}/)?${REFERENCE_COMPONENT}(?:/${REFERENCE_COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`,
);

const REPOSITORY_PREFIX = new RegExp(`^${REFERENCE_HOST}(?:/${REFERENCE_COMPONENT})*$`);

/**
 * Tells whether `value` is a registry host with an optional port and path,
 * such as `localhost:5000/mooring`, to which service names are appended.
 */
export function isRepositoryPrefix(value: string): boolean {
  return value.length <= 200 && REPOSITORY_PREFIX.test(value);
}

/** Tells whether `value` is an image reference such as `docker.io/library/node:24-slim` or `name@sha256:…`. */
export function isImageReference(value: string): boolean {
  return value.length <= 255 && IMAGE_REFERENCE.test(value);
}

/** Builds the schema of an integer from `min` to `max`, naming `unit` ("seconds", "replicas") in the message. */
export function integerBetween(min: number, max: number, unit = "") {
  const expected = `expected an integer from ${min} to ${max}${unit === "" ? "" : ` ${unit}`}`;
  return z.int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });
}

/** A Kubernetes resource quantity such as `50m`, `64Mi` or `1`. */
export const quantity = z
  .string({ error: "expected a Kubernetes quantity as a string, such as '50m', '64Mi' or '1'" })
  .regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, {
    error: "expected a Kubernetes quantity such as '50m', '64Mi' or '1'",
  });

const QUANTITY_FACTORS: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** Converts a quantity that {@link quantity} accepted to a number of base units (cores or bytes). */
export function quantityValue(value: string): number {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(value);
  return Number(match?.[1]) * (QUANTITY_FACTORS[match?.[2] ?? ""] ?? Number.NaN);
}

/** An absolute HTTP path without spaces or control characters, such as `/healthz`. */
export const httpPath = z
  .string({ error: "expected an HTTP path starting with '/', such as '/healthz'" })
  .regex(/^\/[\x21-\x7e]*$/, {
    error: "expected an HTTP path starting with '/', without spaces or control characters",
  });

/** Environment variables a service gets: names as POSIX shells accept them, values as strings. */
export const environmentVariables = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: "expected a variable name: letters, digits and '_', not starting with a digit",
  }),
  z.union([z.string(), z.int().transform(String)], {
    error: "expected a string or an integer; quote other values, as in '1.5' or 'true'",
  }),
);

/** Resource requests and limits that an environment merges over a service's own. */
export const resourceOverrides = z.strictObject({
  requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
});
