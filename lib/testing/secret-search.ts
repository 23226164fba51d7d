// Searches what a test run produced (logs, files, request bodies, image
// layers) for secrets it was given, in plain text and base64-encoded.
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { gunzipSync } from "node:zlib";

/** A secret to search for; one with several values is found by any of them, such as each line of a key. */
export interface Secret {
  name: string;
  values: string[];
}

/** A secret found in an output, and the form it had. */
export interface Finding {
  secret: string;
  /** The output it was found in, such as 'build action log' or a file's path. */
  source: string;
  form: "plain" | "base64" | "base64url";
}

/** Shorter values than this are not searched for, because they would match by chance. */
const MIN_LENGTH = 12;

/**
 * Collects outputs and searches each for every form of every secret: the
 * value itself, and its base64 and base64url encodings at each of the three
 * byte alignments. So a value inside a longer encoded text is found too, such
 * as `user:password` in an auth header or a kubeconfig in a Secret.
 */
export class SecretSearch {
  readonly findings: Finding[] = [];
  /** The outputs searched, by name. */
  readonly sources: string[] = [];
  bytes = 0;
  private readonly forms: Array<{ secret: string; form: Finding["form"]; text: Buffer }> = [];

  constructor(secrets: Secret[]) {
    for (const secret of secrets) {
      for (const value of secret.values) {
        if (value.length < MIN_LENGTH)
          throw new Error(`Secret '${secret.name}' has a value under ${MIN_LENGTH} characters`);
        this.forms.push({ secret: secret.name, form: "plain", text: Buffer.from(value) });
        for (const encoded of encodedForms(value)) {
          this.forms.push({ secret: secret.name, form: "base64", text: Buffer.from(encoded) });
          const url = encoded.replaceAll("+", "-").replaceAll("/", "_");
          if (url !== encoded)
            this.forms.push({ secret: secret.name, form: "base64url", text: Buffer.from(url) });
        }
      }
    }
  }

  /** Searches one output; `content` may be text or bytes. A gzip stream, such as an image layer, is searched unpacked. */
  add(source: string, content: string | Buffer): void {
    let data = typeof content === "string" ? Buffer.from(content) : content;
    if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
    this.sources.push(source);
    this.bytes += data.length;
    const found = new Set<string>();
    for (const { secret, form, text } of this.forms) {
      const key = `${secret} ${form}`;
      if (found.has(key) || data.indexOf(text) < 0) continue;
      found.add(key);
      this.findings.push({ secret, source, form });
    }
  }

  /**
   * Searches every regular file under `folder`, named by its path relative to
   * `label`'s folder. Paths in `exclude` (relative to `folder`) are left out,
   * and so are symbolic links.
   */
  async addFolder(label: string, folder: string, exclude: string[] = []): Promise<number> {
    let count = 0;
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      const path = join(entry.parentPath, entry.name);
      const name = relative(folder, path);
      if (exclude.some((excluded) => name === excluded || name.startsWith(`${excluded}/`))) continue;
      if (!(await lstat(path)).isFile()) continue;
      this.add(`${label}/${name}`, await readFile(path));
      count++;
    }
    return count;
  }

  /** Describes the findings one a line, for an assertion's message. */
  describe(): string {
    return this.findings
      .map((finding) => `${finding.secret} (${finding.form}) in ${finding.source}`)
      .join("\n");
  }
}

// The part of the base64 encoding of `value` that does not depend on the
// bytes around it, for each of the three offsets it can start at.
function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value);
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const start = Math.ceil(offset / 3) * 4;
    const end = Math.floor((offset + bytes.length) / 3) * 4;
    const stable = encoded.slice(start, end);
    if (stable.length >= MIN_LENGTH) forms.push(stable);
  }
  return forms;
}
