/**
 * ANSI styling that is the identity when colour is off, so renderers write one code path and the
 * caller decides (--no-color, NO_COLOR, no TTY: see src/cli/main.ts).
 */

export interface Colors {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  magenta(text: string): string;
  cyan(text: string): string;
}

export function createColors(enabled: boolean): Colors {
  const style =
    (open: number, close: number) =>
    (text: string): string =>
      enabled && text !== "" ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: style(1, 22),
    dim: style(2, 22),
    green: style(32, 39),
    yellow: style(33, 39),
    red: style(31, 39),
    magenta: style(35, 39),
    cyan: style(36, 39),
  };
}

/** Removes ANSI styling; for width computations and for tests. */
export function stripColors(text: string): string {
  // eslint-disable-next-line no-control-regex -- the escape character is the point
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
