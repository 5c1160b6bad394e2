/**
 * Value patterns of flow files: an exact value (case-insensitive), a glob with
 * `*` (any run of characters), or a regular expression written `/.../flags`.
 */

export interface ValuePattern {
  /** The text as written in the flow file. */
  source: string;
  kind: 'exact' | 'glob' | 'regex';
  test(value: string | null | undefined): boolean;
}

/** `/body/flags` with flags among "imsu"; null when the text is not written that way. */
export function regexLiteral(text: string): RegExp | null {
  const m = /^\/(.+)\/([imsu]*)$/s.exec(text.trim());
  if (!m) return null;
  return new RegExp(m[1]!, m[2]);
}

export function isWildcard(text: string): boolean {
  return regexLiteral(text) !== null || text.includes('*');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compile a value pattern. Throws a plain Error with a readable message when a
 * `/regex/` does not compile (the caller adds where it was written).
 */
export function compilePattern(source: string, normalize: (s: string) => string = (s) => s): ValuePattern {
  const text = source.trim();
  let re: RegExp | null;
  try {
    re = regexLiteral(text);
  } catch (e) {
    throw new Error(`invalid regular expression ${text}: ${(e as Error).message}`);
  }
  if (re) {
    const r = re;
    return { source, kind: 'regex', test: (v) => v != null && r.test(v) };
  }
  if (text.includes('*')) {
    const g = new RegExp('^' + text.split('*').map((p) => escapeRe(normalize(p))).join('.*') + '$', 'is');
    return { source, kind: 'glob', test: (v) => v != null && g.test(normalize(v)) };
  }
  const want = normalize(text).toLowerCase();
  return { source, kind: 'exact', test: (v) => v != null && normalize(v).toLowerCase() === want };
}

/** Call states and outcomes compare without regard to case, "_" or "-" ("in_call" = "IN CALL"). */
export function normalizeState(s: string): string {
  return s.trim().toUpperCase().replace(/[_-]/g, ' ').replace(/\s+/g, ' ');
}
