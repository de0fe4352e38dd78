/**
 * Checks a secret read from the environment (client secret, refresh token, bearer token) for the
 * characters none of them may hold: whitespace and control characters. Entra's secrets and tokens
 * are printable ASCII without spaces, so such a character is a copy or file accident (most often
 * the line end of a file saved on Windows), and sending it would only earn a confusing 401.
 * The description names the characters and where they are, never the secret's own text.
 */

/** What is wrong with `value`, as a phrase to follow "the value of X"; undefined when it is fine. */
export function describeSecretProblem(value: string): string | undefined {
  const at = findBadCharacter(value);
  if (at === -1) return undefined;
  if (value.endsWith("\r\n")) return "ends with \\r\\n: a file saved with Windows line endings?";
  if (value.endsWith("\n")) return "ends with a line feed (\\n): read from a file that ends with a newline?";
  if (value.endsWith("\r"))
    return "ends with a carriage return (\\r): a file saved with Windows line endings?";
  if (/^\s/.test(value) || /\s$/.test(value)) {
    return `${/^\s/.test(value) ? "starts" : "ends"} with whitespace: copied with the spaces around it?`;
  }
  const code = value.charCodeAt(at).toString(16).toUpperCase().padStart(4, "0");
  const kind = /\s/.test(value.charAt(at)) ? "whitespace" : "a control character";
  return `holds ${kind} (U+${code}) after its first ${at} characters: pasted across lines, or two values run together?`;
}

/** Index of the first whitespace or control character (C0, DEL, C1), or -1. */
function findBadCharacter(value: string): number {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || /\s/.test(value.charAt(i))) return i;
  }
  return -1;
}
