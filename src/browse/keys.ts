/**
 * Terminal input bytes -> key and mouse events. Written here rather than
 * taken from readline.emitKeypressEvents because that parser has no notion
 * of mouse reports (SGR 1006 "ESC [ < b ; x ; y M"), which it would hand on
 * as a burst of stray keys; the sequences a terminal sends for the keys the
 * browser uses are few (xterm, tmux, screen, the Linux console).
 */

export interface KeyEvent {
  type: 'key';
  /** A named key ("up", "pageup", "enter", "f1"...) or the character typed. */
  name: string;
  ctrl: boolean;
  /** Plain text typed (a printable character), for filter input. */
  text: string | null;
}

export interface MouseEvent {
  type: 'mouse';
  /** "wheelup", "wheeldown", "press" (left button), "other". */
  action: 'wheelup' | 'wheeldown' | 'press' | 'other';
  /** 0-based screen cell. */
  x: number;
  y: number;
}

export type InputEvent = KeyEvent | MouseEvent;

const CSI_TILDE: Record<string, string> = {
  '1': 'home', '2': 'insert', '3': 'delete', '4': 'end', '5': 'pageup', '6': 'pagedown', '7': 'home', '8': 'end',
  '11': 'f1', '12': 'f2', '13': 'f3', '14': 'f4', '15': 'f5',
};
const CSI_FINAL: Record<string, string> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', Z: 'backtab', P: 'f1', Q: 'f2', R: 'f3', S: 'f4' };
const SS3: Record<string, string> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', P: 'f1', Q: 'f2', R: 'f3', S: 'f4', M: 'enter' };

function key(name: string, ctrl = false, text: string | null = null): KeyEvent {
  return { type: 'key', name, ctrl, text };
}

/**
 * Decode one chunk of terminal input. A sequence cut at the chunk's end is
 * rare on a terminal (each key arrives whole); an ESC alone is the Escape key.
 */
export function decodeKeys(s: string): InputEvent[] {
  const out: InputEvent[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\x1b') {
      const n = s[i + 1];
      if (n === '[') {
        // CSI: parameters, then one final byte in @..~.
        let j = i + 2;
        while (j < s.length && !(s.charCodeAt(j) >= 0x40 && s.charCodeAt(j) <= 0x7e)) j++;
        if (j >= s.length) { out.push(key('escape')); i += 1; continue; }
        const params = s.slice(i + 2, j);
        const fin = s[j]!;
        i = j + 1;
        if (params.startsWith('<') && (fin === 'M' || fin === 'm')) {
          const [b, x, y] = params.slice(1).split(';').map(Number) as [number, number, number];
          if (fin === 'm') continue; // button release
          const action = b === 64 ? 'wheelup' : b === 65 ? 'wheeldown' : b === 0 ? 'press' : 'other';
          out.push({ type: 'mouse', action, x: (x || 1) - 1, y: (y || 1) - 1 });
          continue;
        }
        if (fin === '~') { const name = CSI_TILDE[params.split(';')[0]!]; if (name) out.push(key(name)); continue; }
        // The Linux console's F1-F5: ESC [ [ A..E.
        if (fin === '[') { const f = s[i]; if (f && f >= 'A' && f <= 'E') { out.push(key(`f${f.charCodeAt(0) - 64}`)); i++; } continue; }
        const name = CSI_FINAL[fin];
        if (name) out.push(key(name));
        continue;
      }
      if (n === 'O' && i + 2 < s.length) {
        const name = SS3[s[i + 2]!];
        if (name) out.push(key(name));
        i += 3;
        continue;
      }
      if (n === '[' || n === undefined || n === '\x1b') { out.push(key('escape')); i += 1; continue; }
      // Alt+key: taken as the key.
      i += 1;
      continue;
    }
    const code = c.charCodeAt(0);
    if (c === '\r' || c === '\n') out.push(key('enter'));
    else if (c === '\t') out.push(key('tab'));
    else if (c === '\x7f' || c === '\b') out.push(key('backspace'));
    else if (code < 0x20) out.push(key(String.fromCharCode(code + 96), true));
    else {
      // One code point (a surrogate pair is one character).
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(key(ch, false, ch));
      i += ch.length;
      continue;
    }
    i += 1;
  }
  return out;
}
