/**
 * Ladder -> Mermaid `sequenceDiagram` source, and `md`: the same in a
 * ```mermaid fence with a caption, which GitHub renders.
 *
 * Participants get safe ids (P1, P2, ...) and their addresses as display
 * names; every packet-derived string is escaped with Mermaid's entity codes
 * (#35; for '#', #59; for ';', #60; for '<' ...), so nothing from a capture
 * can end a statement, open HTML or inject directives.
 */
import { marginTime, rowText, type Ladder } from './layout.js';
import { cutNote } from './text.js';
import { hasTerminalUnsafe } from '../escape.js';

/**
 * Escape text for a Mermaid label (message text, note, participant alias).
 * Mermaid decodes "#<number>;" into the character; ';' would end a statement,
 * '#' starts an entity, '<' '>' '&' '"' '`' would reach the HTML label, '%'
 * could start a directive; brackets and colons are plain text in a message.
 */
export function mermaidEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    // Controls, separators and the invisible bidi controls (terminalText's set): a space, in labels as in comments.
    if (hasTerminalUnsafe(ch)) { out += ' '; continue; }
    switch (ch) {
      case '#': case ';': case '<': case '>': case '&': case '"': case '%': case '`':
        out += `#${cp};`;
        break;
      default:
        out += ch;
    }
  }
  return out.trim() || '#160;';
}

/** Text for a "%%" comment line: one line, no '%', '{' or '}' (nothing Mermaid could read as a directive). */
export function commentText(s: string): string {
  return [...s].map((ch) => (hasTerminalUnsafe(ch) ? ' ' : ch)).join('')
    .replace(/[%{}]/g, (ch) => `#${ch.charCodeAt(0)};`);
}

export interface MermaidOptions {
  /** Prefix message texts with "[frame] time" (default true). */
  margin?: boolean;
  /** Add a "%% ..." comment header (default true). */
  comments?: boolean;
}

/** The `sequenceDiagram` source of a ladder. */
export function renderMermaid(ladder: Ladder, opts: MermaidOptions = {}): string {
  const margin = opts.margin !== false;
  const L: string[] = ['sequenceDiagram'];
  if (opts.comments !== false) {
    // Comments are one line each. Mermaid finds "%%{...}%%" directives
    // anywhere in the source, comment lines included (a Call-ID of
    // %%{init: {"theme":"forest"}}%% was applied), so no '%' and no brace
    // from a packet reaches a comment: they are written as the entity codes
    // labels use, and control characters as spaces.
    const c = (s: string) => commentText(s);
    L.push(`    %% ${c(ladder.file)}`);
    for (const l of ladder.title.split('\n')) L.push(`    %% ${c(l)}`);
    for (const l of ladder.subtitle.split('\n')) L.push(`    %% ${c(l)}`);
  }
  const id = (i: number) => `P${i + 1}`;
  ladder.participants.forEach((p, i) => {
    const name = p.address ? `${mermaidEscape(p.name)}<br/>${mermaidEscape(p.address)}` : mermaidEscape(p.name);
    L.push(`    participant ${id(i)} as ${name}`);
  });
  for (const r of ladder.rows) {
    const prefix = margin ? `[${r.frame}] ${marginTime(r.time)} ` : '';
    const text = mermaidEscape(prefix + (ladder.merged ? `(call ${r.call}) ` : '') + rowText(r));
    let arrow: string;
    if (r.kind === 'rtp') arrow = '-)';
    else if (r.request) arrow = '->>';
    else arrow = '-->>';
    L.push(`    ${id(r.from)}${arrow}${id(r.to)}: ${text}`);
    if (r.kind === 'msg' && r.sdp) {
      const over = r.from === r.to ? id(r.from) : `${id(r.from)},${id(r.to)}`;
      L.push(`    Note over ${over}: ${mermaidEscape(r.sdp)}`);
    }
  }
  const cut = cutNote(ladder);
  if (cut && ladder.participants.length) L.push(`    Note over ${id(0)}: ${mermaidEscape(cut)}`);
  return L.join('\n') + '\n';
}

/** Markdown: a caption line and the diagram in a ```mermaid fence. */
export function renderMarkdown(ladder: Ladder, opts: MermaidOptions = {}): string {
  // The caption is Markdown text: escape what Markdown or HTML would interpret.
  const md = (s: string) => [...s].map((ch) => (hasTerminalUnsafe(ch) ? ' ' : ch)).join('')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/([\\`*_\[\]|~])/g, "\\$1");
  const caption = `**${md(ladder.title)}** — ${md(ladder.file)}`;
  const ids = ladder.subtitle.split('\n').map((l) => md(l)).join('<br>');
  return `${caption}<br>\n${ids}\n\n\`\`\`mermaid\n${renderMermaid(ladder, { ...opts, comments: false })}\`\`\`\n`;
}
