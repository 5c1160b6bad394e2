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

function htmlPage(svg: string): string {
  const body = svg.replace(/^<\?xml[^>]*>\s*/, '');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;padding:0;background:#fff}svg{display:block}</style></head><body>${body}</body></html>`;
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

  /** Print one SVG document to a PDF page of its own size (tall diagrams continue on further pages). */
  async pdf(svg: string): Promise<Buffer> {
    const { width, height } = svgSize(svg);
    const { page } = await this.page(1);
    await page.setViewportSize({ width, height: Math.min(height, 4000) });
    await page.setContent(htmlPage(svg), { waitUntil: 'load' });
    await page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready.then(() => true));
    const pageH = Math.min(height + 1, MAX_PDF_PAGE);
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
