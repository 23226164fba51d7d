// Checks of the known-hosts lines and the private key that bootstrap hands
// to ssh, so that a value pasted into the wrong secret or variable stops the
// run with a message before ssh connects to any machine. The messages never
// quote the values, since a value in the wrong place may be a private key.

/** Key types that OpenSSH writes into known_hosts lines, their certificate forms included. */
const KEY_TYPE =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(-cert-v01@openssh\.com)?$/;

const KNOWN_HOSTS_EXAMPLE =
  "expected known_hosts lines as ssh-keyscan prints them, such as '192.168.50.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5…'";

/**
 * Checks known_hosts lines: each line that is not blank or a comment has
 * host patterns, a key type and a base64 key of that type, after an optional
 * `@cert-authority` or `@revoked` marker. `source` names where the lines came
 * from, such as `MOORING_KNOWN_HOSTS`. Throws one error naming every bad line.
 */
export function checkKnownHosts(text: string, source: string): void {
  const problems: string[] = [];
  let entries = 0;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    entries++;
    const problem = knownHostsLineProblem(line);
    if (problem !== undefined) problems.push(`line ${index + 1} ${problem}`);
  });
  if (entries === 0) problems.push("there is no known_hosts line");
  if (problems.length > 0) {
    throw new Error(`Invalid known hosts in ${source}: ${problems.join("; ")}; ${KNOWN_HOSTS_EXAMPLE}`);
  }
}

/**
 * Checks that `text` is a whole private key file in PEM or OpenSSH form.
 * `source` names where it came from, such as `MOORING_SSH_PRIVATE_KEY`.
 */
export function checkPrivateKey(text: string, source: string): void {
  const begins = /^-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----\r?$/m.test(text);
  const ends = /^-----END ([A-Z0-9]+ )*PRIVATE KEY-----\r?$/m.test(text);
  if (begins && ends) return;
  const problem = /^(ssh-|ecdsa-|sk-)\S+ AAAA/.test(text.trim())
    ? "it is a public key"
    : begins
      ? "its '-----END … PRIVATE KEY-----' line is missing"
      : "its '-----BEGIN … PRIVATE KEY-----' line is missing";
  throw new Error(
    `Invalid SSH private key in ${source}: ${problem}; expected the whole private key file, such as the content of ~/.ssh/id_ed25519`,
  );
}

// Says what is wrong with one known_hosts line, or returns undefined.
function knownHostsLineProblem(line: string): string | undefined {
  if (line.startsWith("-----BEGIN")) return "is part of a private key, not a public host key";
  if (/\b(SHA256|MD5):/.test(line)) return "is a key fingerprint, which ssh-keygen -l prints";
  const fields = line.split(/\s+/);
  if (fields[0]?.startsWith("@")) {
    if (fields[0] !== "@cert-authority" && fields[0] !== "@revoked")
      return "starts with an unknown marker; expected '@cert-authority' or '@revoked'";
    fields.shift();
  }
  const [, keyType, key] = fields;
  if (keyType === undefined || key === undefined) return "has fewer than three fields";
  if (!KEY_TYPE.test(keyType)) return "names no SSH key type in its second field";
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || encodedKeyType(key) !== keyType)
    return `has a key that is not a base64 ${keyType} key`;
  return undefined;
}

// An SSH public key starts with its type as a string: a 32-bit big-endian length, then the name.
function encodedKeyType(base64: string): string | undefined {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length < 4) return undefined;
  const length = bytes.readUInt32BE(0);
  if (length > 64 || bytes.length < 4 + length) return undefined;
  return bytes.subarray(4, 4 + length).toString("latin1");
}
