/**
 * Terminal colours: the eight styles sipflow's terminal outputs use, written
 * as ANSI SGR codes exactly as chalk 5 wrote them — a style's closing code
 * inside the text re-opens the style (so nesting works), and each line break
 * closes and re-opens it (so a style never bleeds into the next line or the
 * prompt). Written here rather than taken from a package (chalk until
 * now): eight styles are a few lines, one package fewer to install and load
 * (callgrind, `analyze` of a small fixture: 967 M -> 958 M instructions), and
 * the decision is ours alone — chalk also turned colour off on a real
 * terminal whenever a CI variable was set.
 *
 * `color.level` is 0 (no colour) or more: on when standard output is a
 * terminal (not TERM=dumb) or FORCE_COLOR asks for it; cli/common.ts
 * setupColor turns it off for --no-color and NO_COLOR, and renderers that
 * write files set it to 0 around their work.
 */

/** A style: the text wrapped in its codes when colour is on, else the text itself. */
export type Style = (text: string) => string;

function initialLevel(): number {
  const force = process.env.FORCE_COLOR;
  if (force !== undefined) return force === '0' || force === 'false' ? 0 : 1;
  return process.stdout?.isTTY && process.env.TERM !== 'dumb' ? 1 : 0;
}

function style(open: number, close: number): Style {
  const on = `\u001b[${open}m`;
  const off = `\u001b[${close}m`;
  return (text: string) => {
    if (color.level <= 0 || !text) return text;
    let s = text;
    if (s.includes('\u001b')) s = s.split(off).join(off + on);
    if (s.includes('\n')) s = s.replace(/\r?\n/g, (lf) => off + lf + on);
    return on + s + off;
  };
}

export const color = {
  level: initialLevel(),
  bold: style(1, 22),
  dim: style(2, 22),
  red: style(31, 39),
  green: style(32, 39),
  yellow: style(33, 39),
  magenta: style(35, 39),
  cyan: style(36, 39),
  gray: style(90, 39),
};
