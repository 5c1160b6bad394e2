/**
 * Ladder diagrams of SIP calls in every format: text, Mermaid, Markdown, SVG,
 * PNG and PDF. One layout (layout.ts) feeds every renderer.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Call, Report } from '../../model.js';
import { buildLadder, diagramFileName, type Ladder, type LadderOptions } from './layout.js';
import { renderLadderText, type TextOptions } from './text.js';
import { renderMarkdown, renderMermaid } from './mermaid.js';
import { renderLadderSvg, type SvgOptions } from './svg.js';
import { Rasterizer, type RasterOptions } from './browser.js';

export * from './layout.js';
/** Re-exported for cli/commands/report.ts, which takes it from here. */
export { renderLadderText, type TextOptions } from './text.js';
export { renderMermaid, renderMarkdown, mermaidEscape } from './mermaid.js';
export { renderLadderSvg, type SvgOptions } from './svg.js';
export { Rasterizer, RasterizerUnavailable, findChromium, INSTALL_HINT } from './browser.js';

export type LadderFormat = 'text' | 'mermaid' | 'md' | 'svg' | 'png' | 'pdf';
export const LADDER_FORMATS: LadderFormat[] = ['text', 'mermaid', 'md', 'svg', 'png', 'pdf'];

export const EXTENSIONS: Record<LadderFormat, string> = {
  text: 'txt', mermaid: 'mmd', md: 'md', svg: 'svg', png: 'png', pdf: 'pdf',
};

export function isImage(f: LadderFormat): f is 'png' | 'pdf' {
  return f === 'png' || f === 'pdf';
}

/** The diagrams to draw: one per call, or one of all of them with merge. */
export function ladders(report: Report, calls: Call[], opts: LadderOptions & { merge?: boolean }): Ladder[] {
  if (!calls.length) return [];
  return opts.merge ? [buildLadder(report, calls, opts)] : calls.map((c) => buildLadder(report, [c], opts));
}

export interface RenderOptions {
  text?: TextOptions;
  svg?: SvgOptions;
}

/** A textual format of one ladder. */
export function renderText(ladder: Ladder, format: Exclude<LadderFormat, 'png' | 'pdf'>, opts: RenderOptions = {}): string {
  switch (format) {
    case 'text': return renderLadderText(ladder, opts.text);
    case 'mermaid': return renderMermaid(ladder);
    case 'md': return renderMarkdown(ladder);
    case 'svg': return renderLadderSvg(ladder, opts.svg);
  }
}

/** File name of a diagram in an output directory. */
export function ladderFileName(ladder: Ladder, format: LadderFormat): string {
  const ext = EXTENSIONS[format];
  if (ladder.merged) return `${basename(ladder.file).replace(/\.(pcapng|pcap|cap)(\.gz)?$/i, '') || 'capture'}-merged.${ext}`;
  return diagramFileName(ladder.calls[0]!, ext);
}

/**
 * Write diagrams into a directory, one file per ladder, with one browser for
 * all the images. Returns the paths written.
 */
export async function writeLadders(list: Ladder[], format: LadderFormat, dir: string, opts: RenderOptions & RasterOptions & { rasterizer?: Rasterizer } = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  let raster = opts.rasterizer ?? null;
  const own = !raster && isImage(format);
  if (own) raster = await Rasterizer.open(opts);
  try {
    for (const l of list) {
      const path = join(dir, ladderFileName(l, format));
      if (isImage(format)) await raster!.write(renderLadderSvg(l, opts.svg), format, path);
      else await writeFile(path, renderText(l, format, opts));
      paths.push(path);
    }
  } finally {
    if (own) await raster!.close();
  }
  return paths;
}
