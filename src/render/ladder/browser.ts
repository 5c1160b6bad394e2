/**
 * SVG -> PNG/PDF through a headless Chromium driven by playwright-core (an
 * optional dependency, imported lazily). One browser start serves every
 * diagram of a run: open a Rasterizer, render many, close it.
 *
 * When the browser or the package is missing, openRasterizer throws a
 * RasterizerUnavailable whose message says exactly what to install.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

export class RasterizerUnavailable extends Error {}

/** Flags for a headless Chromium in containers and CI (no sandbox, no network chatter). */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage',
];

const CANDIDATES = [
  '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** The Chromium to use: $SIPFLOW_CHROMIUM, $CHROME_PATH, $PUPPETEER_EXECUTABLE_PATH, or a system path. */
export function findChromium(): string | null {
  for (const v of ['SIPFLOW_CHROMIUM', 'CHROME_PATH', 'PUPPETEER_EXECUTABLE_PATH']) {
    const p = process.env[v];
    if (p) return p;
  }
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export const INSTALL_HINT = 'install Chromium (Debian/Ubuntu: apt-get install chromium) or set SIPFLOW_CHROMIUM=/path/to/chrome';

// The few playwright-core types used here (the package is optional, so no type import).
interface PwPage {
  setViewportSize(s: { width: number; height: number }): Promise<void>;
  setContent(html: string, o?: { waitUntil?: string }): Promise<void>;
  evaluate<T>(fn: () => T): Promise<T>;
  screenshot(o: { path?: string; clip?: { x: number; y: number; width: number; height: number }; type?: string; omitBackground?: boolean }): Promise<Buffer>;
  pdf(o: { path?: string; width?: string; height?: string; printBackground?: boolean; pageRanges?: string; margin?: Record<string, string> }): Promise<Buffer>;
  close(): Promise<void>;
}
interface PwCdp { send(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> }
interface PwContext { newPage(): Promise<PwPage>; newCDPSession?(page: PwPage): Promise<PwCdp>; close(): Promise<void> }
interface PwBrowser {
  newContext(o: { deviceScaleFactor?: number; viewport?: { width: number; height: number } }): Promise<PwContext>;
  close(): Promise<void>;
}
interface PwModule { chromium: { launch(o: { executablePath: string; args: string[]; headless?: boolean; timeout?: number }): Promise<PwBrowser> } }

export interface RasterOptions {
  /** Device pixels per SVG pixel for PNG (default 2: crisp in a printed report). */
  scale?: number;
}

/** Chromium's largest screenshot side in device pixels we trust. */
const MAX_SIDE = 16000;
/** Longest PDF page (Chromium caps pages at 200 in = 19200 CSS px). */
const MAX_PDF_PAGE = 19000;

/**
 * The page the SVG is shown in. Its <title> is the diagram's (already
 * escaped in the SVG): Chromium writes it as the PDF's document title.
 */
export function htmlPage(svg: string): string {
  const body = svg.replace(/^<\?xml[^>]*>\s*/, '');
  const title = /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? 'sipflow ladder';
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title><style>html,body{margin:0;padding:0;background:#fff}svg{display:block}.pg{break-after:page;overflow:hidden}.pg:last-child{break-after:auto}</style></head><body>${body}</body></html>`;
}

/** PDF page height for a diagram `width` px wide: A4 portrait proportions, at least 800 px. */
export function pdfPageHeight(width: number): number {
  return Math.min(MAX_PDF_PAGE, Math.max(800, Math.round(width * 1.414)));
}

/**
 * Runs in the page: cut the diagram into pages of `pageH` px at row
 * boundaries (one <g> per row), each page after the first starting with
 * the participant boxes again. The diagram stays in the document once; each
 * page shows a slice of it through <use> and a viewBox. Returns the pages.
 */
export function paginate(pageH: number): number {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const doc = (globalThis as any).document;
  const svg = doc.querySelector('svg');
  const W = svg.width.baseVal.value, H = svg.height.baseVal.value;
  const rows: { y: number }[] = [...svg.querySelectorAll('g')].map((g: any) => g.getBBox()).filter((b: any) => b.height > 0);
  const firstRow = rows.length ? Math.min(...rows.map((b) => b.y)) : H;
  const boxes = [...svg.querySelectorAll('rect.box')].map((r: any) => r.getBBox()).filter((b: any) => b.y < firstRow);
  const headTop = boxes.length ? Math.min(...boxes.map((b: any) => b.y)) - 4 : 0;
  const headBottom = boxes.length ? Math.max(...boxes.map((b: any) => b.y + b.height)) + 4 : 0;
  const headH = Math.max(0, headBottom - headTop);
  const cuts = rows.map((b) => b.y - 3).filter((y) => y > headBottom).sort((a, b) => a - b);
  const pages: [number, number][] = [];
  let start = 0;
  while (start < H - 1) {
    const room = pages.length ? pageH - headH : pageH;
    let end = Math.min(H, start + room);
    if (end < H) {
      let best = -1;
      for (const c of cuts) if (c > start + 20 && c <= end) best = c;
      if (best > 0) end = best;
    }
    pages.push([start, end]);
    start = end;
  }
  svg.id = 'sipflow-ladder';
  const NS = 'http://www.w3.org/2000/svg';
  const holder = doc.createElementNS(NS, 'svg');
  holder.setAttribute('width', '0'); holder.setAttribute('height', '0');
  holder.setAttribute('style', 'position:absolute');
  const defs = doc.createElementNS(NS, 'defs');
  holder.appendChild(defs);
  doc.body.appendChild(holder);
  defs.appendChild(svg);
  const slice = (y: number, h: number) => {
    const v = doc.createElementNS(NS, 'svg');
    v.setAttribute('width', String(W)); v.setAttribute('height', String(h));
    v.setAttribute('viewBox', `0 ${y} ${W} ${h}`);
    const use = doc.createElementNS(NS, 'use');
    use.setAttribute('href', '#sipflow-ladder');
    v.appendChild(use);
    return v;
  };
  pages.forEach(([a, b], k) => {
    const div = doc.createElement('div');
    div.className = 'pg';
    div.style.height = `${pageH}px`;
    if (k > 0 && headH > 0) div.appendChild(slice(headTop, headH));
    div.appendChild(slice(a, b - a));
    doc.body.appendChild(div);
  });
  return pages.length;
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  return m ? { width: Math.ceil(Number(m[1])), height: Math.ceil(Number(m[2])) } : { width: 800, height: 600 };
}

export class Rasterizer {
  private readonly contexts = new Map<number, Promise<{ ctx: PwContext; page: PwPage; cdp: PwCdp | null }>>();
  private constructor(private readonly browser: PwBrowser, private readonly scale: number) {}

  /** Start the browser (once). Throws RasterizerUnavailable with an install hint. */
  static async open(opts: RasterOptions = {}): Promise<Rasterizer> {
    let pw: PwModule;
    try {
      const name = 'playwright-core';
      pw = (await import(name)) as PwModule;
    } catch {
      throw new RasterizerUnavailable('PNG/PDF export needs the optional package playwright-core: run "npm install playwright-core" (and ' + INSTALL_HINT + ')');
    }
    const exe = findChromium();
    if (!exe || !existsSync(exe)) {
      throw new RasterizerUnavailable(`PNG/PDF export needs a Chromium browser${exe ? ` (${exe} does not exist)` : ''}: ${INSTALL_HINT}`);
    }
    try {
      const browser = await pw.chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
      return new Rasterizer(browser, opts.scale ?? 2);
    } catch (e) {
      const first = String((e as Error)?.message ?? e).split('\n')[0];
      throw new RasterizerUnavailable(`could not start ${exe} (${first}): ${INSTALL_HINT}`);
    }
  }

  private page(scale: number): Promise<{ ctx: PwContext; page: PwPage; cdp: PwCdp | null }> {
    let p = this.contexts.get(scale);
    if (!p) {
      p = (async () => {
        const ctx = await this.browser.newContext({ deviceScaleFactor: scale });
        const page = await ctx.newPage();
        // A DevTools session screenshots 2-4x faster than page.screenshot (no
        // stability waits, fast PNG encoder); page.screenshot stays the fallback.
        const cdp = ctx.newCDPSession ? await ctx.newCDPSession(page).catch(() => null) : null;
        return { ctx, page, cdp };
      })();
      this.contexts.set(scale, p);
    }
    return p;
  }

  /** Rasterise one SVG document to PNG bytes. */
  async png(svg: string): Promise<Buffer> {
    const { width, height } = svgSize(svg);
    let scale = this.scale;
    while (scale > 1 && Math.max(width, height) * scale > MAX_SIDE) scale = Math.max(1, scale - 0.5);
    const { page, cdp } = await this.page(scale);
    await page.setViewportSize({ width, height });
    await page.setContent(htmlPage(svg), { waitUntil: 'load' });
    await page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready.then(() => true));
    if (cdp) {
      try {
        const r = await cdp.send('Page.captureScreenshot', {
          format: 'png', clip: { x: 0, y: 0, width, height, scale }, captureBeyondViewport: true, optimizeForSpeed: true,
        });
        if (typeof r.data === 'string') return Buffer.from(r.data, 'base64');
      } catch { /* fall back below */ }
    }
    return page.screenshot({ clip: { x: 0, y: 0, width, height }, type: 'png' });
  }

  /**
   * Print one SVG document to PDF, titled as the diagram: one page of its
   * own size when it is short, else pages of A4 proportions (pdfPageHeight)
   * cut between rows, each repeating the participant boxes.
   */
  async pdf(svg: string): Promise<Buffer> {
    const { width, height } = svgSize(svg);
    const { page } = await this.page(1);
    await page.setViewportSize({ width, height: Math.min(height, 4000) });
    await page.setContent(htmlPage(svg), { waitUntil: 'load' });
    await page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready.then(() => true));
    const pageH = pdfPageHeight(width);
    if (height + 1 <= pageH) {
      return page.pdf({ width: `${width}px`, height: `${height + 1}px`, printBackground: true, margin: { top: '0', right: '0', bottom: '0', left: '0' } });
    }
    await (page as unknown as { evaluate<T, A>(fn: (a: A) => T, a: A): Promise<T> }).evaluate(paginate, pageH);
    return page.pdf({ width: `${width}px`, height: `${pageH}px`, printBackground: true, margin: { top: '0', right: '0', bottom: '0', left: '0' } });
  }

  async write(svg: string, format: 'png' | 'pdf', path: string): Promise<void> {
    await writeFile(path, format === 'png' ? await this.png(svg) : await this.pdf(svg));
  }

  async close(): Promise<void> {
    for (const p of this.contexts.values()) await (await p).ctx.close().catch(() => {});
    await this.browser.close().catch(() => {});
  }
}
