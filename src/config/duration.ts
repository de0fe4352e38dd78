/** Human durations for flags and config ("30s", "2m", "1h30m", "500ms", "0") to milliseconds. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds (rounded), or null when the text is not a duration. A bare number is only "0". */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (/^0+$/.test(trimmed)) return 0;
  if (!WHOLE.test(trimmed)) return null;
  let total = 0;
  for (const match of trimmed.matchAll(PART)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return Number.isFinite(total) ? Math.round(total) : null;
}
