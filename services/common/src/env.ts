/** Environment variables in the shape of `process.env`. */
export type Env = Record<string, string | undefined>;

/** Error listing every invalid environment variable that a service found at startup. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(readonly problems: readonly string[]) {
    super(problems.join(" "));
  }
}

/** Bounds for {@link EnvReader.integer}. */
export interface IntegerRange {
  min: number;
  max: number;
}

/**
 * Reads and validates environment variables. Each read method records a problem instead of
 * throwing, so that {@link EnvReader.check} can report every invalid variable at once.
 * A variable set to the empty string counts as unset.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** Returns the variable's value, or undefined when it is unset or empty. */
  string(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === "" ? undefined : value;
  }

  /** Returns the variable as a decimal integer inside `range`, or `fallback` when unset or invalid. */
  integer(name: string, fallback: number, range: IntegerRange): number {
    const value = this.string(name);
    if (value === undefined) return fallback;

    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (parsed >= range.min && parsed <= range.max) return parsed;

    this.reject(name, value, `an integer from ${range.min} to ${range.max}`);
    return fallback;
  }

  /** Returns the variable as an absolute http or https URL, or undefined when unset or invalid. */
  httpUrl(name: string): URL | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;

    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url?.protocol === "http:" || url?.protocol === "https:") return url;

    this.reject(name, value, "an absolute http:// or https:// URL, such as 'http://time:8080'");
    return undefined;
  }

  /** Records a problem for a variable whose value is invalid. */
  reject(name: string, value: string, expected: string): void {
    this.problems.push(
      `Environment variable ${name} has the invalid value '${value}'. Expected ${expected}.`,
    );
  }

  /** Throws a {@link ConfigError} listing every recorded problem, if there are any. */
  check(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
