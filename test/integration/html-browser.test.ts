/**
 * The HTML report in a real browser (playwright-core driving Debian's
 * Chromium): the Z1 transfer capture loads without console errors, sorts,
 * filters and shows a message's text when clicked; dark mode and print; a
 * hostile capture whose strings are HTML and script executes nothing and
 * shows its text literally; a 1 000-call report stays usable.
 *
 * Screenshots go to reports/html/screenshots/ (look at them after a change).
 * Skips with the reason when Chromium or playwright-core is missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PcapngWriter, FileSink } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import { htmlReport } from '../../src/html-report.js';
import { writeSyntheticCapture } from '../../scripts/make-reports.js';
import { CORPUS, ROOT } from '../helpers/corpus.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TRANSFER = join(CORPUS, 'mtaa', 'Z1_transfercall.pcapng');
const SHOTS = join(ROOT, 'reports', 'html', 'screenshots');

// The few playwright-core types used here (an optional dependency: no type import).
interface Locator { click(o?: { position?: { x: number; y: number } }): Promise<void>; textContent(): Promise<string | null>; count(): Promise<number>; first(): Locator; nth(i: number): Locator; scrollIntoViewIfNeeded(): Promise<void>; hover(): Promise<void>; selectOption(v: string): Promise<unknown>; fill(v: string): Promise<void>; isVisible(): Promise<boolean>; getAttribute(n: string): Promise<string | null> }
interface Page {
  goto(url: string, o?: { waitUntil?: string; timeout?: number }): Promise<unknown>;
  on(ev: string, fn: (x: never) => void): void;
  locator(sel: string): Locator;
  evaluate<T, A = undefined>(fn: (a: A) => T, arg?: A): Promise<T>;
  screenshot(o: { path?: string; fullPage?: boolean }): Promise<Buffer>;
  pdf(o: { path?: string; format?: string; printBackground?: boolean }): Promise<Buffer>;
  emulateMedia(o: { media?: 'print' | 'screen' | null; colorScheme?: 'light' | 'dark' | null }): Promise<void>;
  setViewportSize(s: { width: number; height: number }): Promise<void>;
  addInitScript(fn: () => void): Promise<void>;
  waitForSelector(sel: string, o?: { timeout?: number }): Promise<unknown>;
  close(): Promise<void>;
}
interface Context { newPage(): Promise<Page>; close(): Promise<void> }
interface Browser { newContext(o?: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' }): Promise<Context>; close(): Promise<void> }

// Names the functions run inside the page use (no DOM library in this project's compile).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const location: any;
declare function getComputedStyle(e: unknown): any;
type HTMLDetailsElement = any;

let pw: { chromium: { launch(o: { executablePath: string; args: string[] }): Promise<Browser> } } | null = null;
try { const name = 'playwright-core'; pw = await import(name); } catch { pw = null; }
const skip = !existsSync(CHROMIUM) ? `${CHROMIUM} not found (apt-get install chromium)`
  : !pw ? 'playwright-core is not installed (npm install playwright-core)' : false;

/** A page with its console errors, page errors, dialogs and non-file requests recorded. */
async function open(browser: Browser, file: string, opts: { colorScheme?: 'light' | 'dark'; width?: number } = {}): Promise<{ page: Page; ctx: Context; problems: string[] }> {
  const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1400, height: 900 }, colorScheme: opts.colorScheme ?? 'light' });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('console', (m: { type(): string; text(): string }) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d: { message(): string; dismiss(): Promise<void> }) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
  page.on('request', (r: { url(): string }) => { if (!/^(file|data|about):/.test(r.url())) problems.push(`request: ${r.url()}`); });
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e: any) => w.__violations.push(`${e.violatedDirective}: ${e.sample || e.blockedURI}`));
  });
  await page.goto('file://' + file, { waitUntil: 'load', timeout: 180_000 });
  return { page, ctx, problems };
}

const visibleRows = (page: Page) => page.evaluate(() => ([...document.querySelectorAll('#calls tbody tr')] as any[]).filter((r) => !r.classList.contains('hidden')).map((r) => Number(r.getAttribute('data-n'))));

describe('HTML report in Chromium', { skip }, () => {
  let browser: Browser;
  let dir: string;
  before(async () => {
    browser = await pw!.chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    dir = mkdtempSync(join(tmpdir(), 'sipflow-html-browser-'));
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Z1_transfercall: loads cleanly, sorts, filters, shows a clicked message, dark mode, print', { skip: existsSync(TRANSFER) ? false : `${TRANSFER} not found` }, async () => {
    const r = await htmlReport(TRANSFER, { media: { heuristic: false }, generated: null, displayFile: relative(ROOT, TRANSFER), ladder: { aliases: { '192.168.1.14:5060': 'proxy' } } });
    const file = join(dir, 'Z1_transfercall.html');
    writeFileSync(file, r.html);
    const { page, ctx, problems } = await open(browser, file);
    try {
      assert.deepEqual(await visibleRows(page), [1, 2]);

      // Sorting: by start time descending, then by # ascending.
      const startTh = page.locator('#calls thead th').nth(1);
      await startTh.click();
      assert.deepEqual(await visibleRows(page), [1, 2]);
      assert.equal(await startTh.getAttribute('aria-sort'), 'ascending');
      await startTh.click();
      assert.deepEqual(await visibleRows(page), [2, 1]);
      assert.equal(await startTh.getAttribute('aria-sort'), 'descending');
      await page.locator('#calls thead th').nth(0).click();
      assert.deepEqual(await visibleRows(page), [1, 2]);

      // Filtering: free text, participant, state; the call sections follow the table.
      await page.locator('#f-text').fill('tablet');
      assert.deepEqual(await visibleRows(page), [2]);
      assert.equal(await page.locator('#f-count').textContent(), '1 of 2 dialogs');
      assert.equal(await page.locator('#call-1').isVisible(), false);
      await page.locator('#f-reset').click();
      await page.locator('#f-part').selectOption('192.168.1.19');
      assert.deepEqual(await visibleRows(page), [2]);
      await page.locator('#f-reset').click();
      // State offers Wireshark's states, Outcome sipflow's outcomes: the words of the table, CSV and JSON.
      const outcome2 = await page.locator('#calls tr[data-n="2"]').getAttribute('data-outcome');
      await page.locator('#f-outcome').selectOption(outcome2!.split(', ')[0]!);
      assert.ok((await visibleRows(page)).includes(2));
      await page.locator('#f-outcome').selectOption('');
      await page.locator('#f-state').selectOption('COMPLETED');
      assert.deepEqual(await visibleRows(page), [1, 2]);
      await page.locator('#f-reset').click();
      await page.screenshot({ path: join(SHOTS, 'Z1_transfercall-summary.png') });

      // Clicking the first arrow of call 1 shows the INVITE with its SDP.
      const arrow = page.locator('#call-1 .ladder g[data-row="0"]');
      await arrow.scrollIntoViewIfNeeded();
      await arrow.click();
      const pane = page.locator('#call-1 .msgpane');
      const text = (await pane.textContent()) ?? '';
      assert.match(text, /INVITE sip:\S+ SIP\/2\.0/);
      assert.match(text, /Call-ID: IS85~-elz3/);
      assert.match(text, /Body \(SDP\)/);
      assert.match(text, /m=audio 7078 RTP\/AVP/);
      assert.equal(await page.locator('#call-1 .ladder g.sel').count(), 1);
      // A row of the message list does the same (the 180 Ringing of frame 16).
      await page.locator('#call-1 table.msgs tbody tr').nth(5).click();
      assert.match((await pane.textContent()) ?? '', /^180 Ringing[\s\S]*Frame 16 [\s\S]*SIP\/2\.0 180 Ringing/);
      await arrow.click();
      await page.evaluate(() => window.scrollBy(0, -120));
      await page.screenshot({ path: join(SHOTS, 'Z1_transfercall.png') });

      // Events and media with plots.
      assert.ok(await page.locator('#call-1 ol.events li').count() >= 3);
      assert.ok(await page.locator('#call-1 table.streams tbody tr').count() >= 1);
      assert.ok(await page.locator('#call-1 svg.plot polyline').count() >= 2);
      const plots = page.locator('#call-1 .plots');
      await plots.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'Z1_transfercall-media.png') });

      // The stream list and the hash link to a call.
      await page.locator('#streams > summary').click();
      // The list is drawn on the details' toggle event, which fires after the click returns.
      await page.waitForSelector('table.streamsum tbody tr', { timeout: 5000 });
      assert.equal(await page.locator('table.streamsum tbody tr').count(), r.report.rtpStreams.length);
      await page.evaluate(() => { location.hash = '#call-2'; });
      assert.ok(await page.evaluate(() => (document.getElementById('call-2') as HTMLDetailsElement).open));

      // Theme toggle: auto -> light -> dark.
      await page.locator('#theme').click();
      assert.equal(await page.evaluate(() => document.documentElement.getAttribute('data-theme')), 'light');
      await page.locator('#theme').click();
      assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(13, 17, 23)');
      await page.locator('#theme').click();

      // Print: every call on its own page, sections expanded, no controls.
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      writeFileSync(join(dir, 'Z1_transfercall-print.pdf'), pdf);
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
      assert.ok(pages >= 3, `${pages} PDF pages`);
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: 794, height: 1123 });
      await page.evaluate(() => (window as unknown as { sipflowPrepareForPrint(): void }).sipflowPrepareForPrint());
      assert.equal(await page.locator('.filters').isVisible(), false);
      assert.equal(await page.locator('#theme').isVisible(), false);
      assert.ok(await page.evaluate(() => ([...document.querySelectorAll('details')] as any[]).every((d) => (d as HTMLDetailsElement).open)));
      assert.ok(await page.locator('#call-2 details.texts pre.sip').count() > 10, 'message texts expanded for print');
      const breaks = await page.evaluate(() => getComputedStyle(document.getElementById('call-2')!).breakBefore);
      assert.equal(breaks, 'page');
      await page.screenshot({ path: join(SHOTS, 'Z1_transfercall-print.png') });
      await page.emulateMedia({ media: 'screen' });

      assert.deepEqual(problems, []);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), []);
    } finally {
      await ctx.close();
    }

    // Dark scheme from the system preference.
    const dark = await open(browser, file, { colorScheme: 'dark' });
    try {
      assert.equal(await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(13, 17, 23)');
      const a = dark.page.locator('#call-1 .ladder g[data-row="0"]');
      await a.scrollIntoViewIfNeeded();
      await a.click();
      await dark.page.evaluate(() => window.scrollBy(0, -120));
      await dark.page.screenshot({ path: join(SHOTS, 'Z1_transfercall-dark.png') });
      assert.deepEqual(dark.problems, []);
    } finally {
      await dark.ctx.close();
    }
  });

  test('hostile capture: nothing executes, every string shows literally (with and without the CSP)', async () => {
    const cap = join(dir, 'hostile.pcapng');
    writeHostileCapture(cap);
    for (const csp of [true, false]) {
      const r = await htmlReport(cap, { media: { heuristic: false }, generated: null, csp, displayFile: 'hostile.pcapng' });
      assert.equal(r.calls.length, 1);
      const file = join(dir, `hostile-${csp ? 'csp' : 'nocsp'}.html`);
      writeFileSync(file, r.html);
      const { page, ctx, problems } = await open(browser, file);
      try {
        // Use everything: every ladder row, the message list, all texts, the stream list, hover.
        const rows = page.locator('#call-1 .ladder g[data-row]');
        const n = await rows.count();
        assert.ok(n >= 2);
        for (let i = 0; i < n; i++) await rows.nth(i).click();
        await page.locator('#call-1 details.texts > summary').click();
        if (await page.locator('#streams > summary').count()) await page.locator('#streams > summary').click();
        await page.locator('svg.timeline rect[data-n]').first().hover();
        await page.locator('#calls tbody tr').first().hover();
        await page.locator('#f-text').fill('<script>');
        await page.locator('#f-reset').click();

        const state = await page.evaluate(() => ({
          pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
          handlers: ([...document.querySelectorAll('*')] as any[]).flatMap((e) => ([...e.attributes] as any[]).filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName} ${a.name}`)),
          imgs: document.querySelectorAll('img, iframe, object, embed, foreignObject').length,
          scripts: ([...document.querySelectorAll('script')] as any[]).filter((s) => s.type !== 'application/json').length,
          violations: (window as unknown as { __violations: string[] }).__violations,
          body: document.body.innerText,
          table: document.querySelector('#calls tbody')!.textContent,
          texts: document.querySelector('#call-1 details.texts')!.textContent,
          ladder: document.querySelector('#call-1 .ladder')!.textContent,
          facts: document.querySelector('#call-1 .facts')!.textContent,
          streams: document.querySelector('#call-1 table.streams')?.textContent ?? '',
        }));
        assert.equal(state.pwned, null, 'a packet script ran');
        assert.deepEqual(state.handlers, [], 'an event handler attribute reached the DOM');
        assert.equal(state.imgs, 0);
        assert.equal(state.scripts, 1, 'only the report script');
        assert.deepEqual(state.violations, [], 'nothing even tried to run');
        assert.deepEqual(problems, []);
        // Literal text everywhere it belongs.
        assert.ok(state.table!.includes(`${HOSTILE.from} <alice@a.example>`), 'From display name in the table');
        assert.ok(state.facts!.includes(HOSTILE.callId), 'Call-ID in the facts');
        assert.ok(state.texts!.includes(`User-Agent: ${HOSTILE.ua}`), 'User-Agent in the message text');
        assert.ok(state.texts!.includes(`s=${HOSTILE.sdp}`), 'SDP session name in the body');
        assert.ok(state.texts!.includes(`SIP/2.0 486 ${HOSTILE.reason}`), 'reason phrase');
        assert.ok(state.ladder!.includes(`486 ${HOSTILE.reason}`), 'reason phrase in the ladder');
        assert.ok(state.streams.includes(HOSTILE.codec), 'codec name from the rtpmap in the stream table');
        if (csp) await page.screenshot({ path: join(SHOTS, 'hostile.png') });
      } finally {
        await ctx.close();
      }
    }
  });

  test('1 000 calls: loads, filters, sorts and opens a call on demand', async () => {
    const cap = join(dir, 'synthetic-1000.pcapng');
    writeSyntheticCapture(cap, 1000, 10);
    const r = await htmlReport(cap, { media: { heuristic: false }, generated: null, displayFile: 'synthetic-1000.pcapng' });
    const file = join(dir, 'synthetic-1000.html');
    writeFileSync(file, r.html);
    const t0 = performance.now();
    const { page, ctx, problems } = await open(browser, file);
    try {
      const load = performance.now() - t0;
      assert.equal((await visibleRows(page)).length, 1000);
      assert.equal(await page.locator('details.call .ladder').count(), 0, 'no section drawn before it is opened');
      let t = performance.now();
      await page.locator('#f-text').fill('u77');
      const filter = performance.now() - t;
      assert.equal((await visibleRows(page)).length, 11, 'u77 and u770..u779');
      await page.locator('#f-reset').click();
      t = performance.now();
      await page.locator('#calls thead th').nth(2).click();
      const sort = performance.now() - t;
      t = performance.now();
      await page.evaluate(() => { location.hash = '#call-777'; });
      await page.waitForSelector('#call-777 .ladder svg');
      const openMs = performance.now() - t;
      await page.locator('#call-777 .ladder g[data-row="0"]').click();
      assert.match((await page.locator('#call-777 .msgpane').textContent()) ?? '', /INVITE sip:d776@/);
      t = performance.now();
      await page.locator('#expand').click();
      const expand = performance.now() - t;
      assert.equal(await page.evaluate(() => document.querySelectorAll('details.call[open]').length), 1000);
      assert.ok(await page.locator('details.call .ladder').count() < 200, 'expanded sections far from view are drawn later');
      await page.screenshot({ path: join(SHOTS, 'synthetic-1000.png') });
      assert.deepEqual(problems, []);
      process.stdout.write(`# 1000 calls in Chromium: ${(r.stats.bytes / 1048576).toFixed(1)} MiB, load ${load.toFixed(0)} ms, filter ${filter.toFixed(0)} ms, sort ${sort.toFixed(0)} ms, open ${openMs.toFixed(0)} ms, expand all ${expand.toFixed(0)} ms\n`);
    } finally {
      await ctx.close();
    }
  });
});

/** Strings a hostile capture carries where the report shows packet text. */
const HOSTILE = {
  from: '<script>window.__pwned=1</script>',
  to: "<img src=x onerror='window.__pwned=2'>",
  callId: '"><svg onload=window.__pwned=3>@x',
  ua: '"><svg onload=window.__pwned=4></script><script>window.__pwned=5</script><!--',
  sdp: '</script><script>window.__pwned=6</script><!--<script>',
  reason: '<b onmouseover=window.__pwned=7>Busy</b>',
  // An rtpmap encoding name has no '/' or white space.
  codec: '"><script>window.__pwned=8<',
};

/** INVITE with SDP, RTP both ways, 486 with a hostile reason phrase, ACK: a classic pcap-free pcapng. */
function writeHostileCapture(path: string): void {
  const A = '10.0.0.1', B = '10.0.0.2';
  const sdp = (ip: string, port: number) => ['v=0', `o=- 1 1 IN IP4 ${ip}`, `s=${HOSTILE.sdp}`, `c=IN IP4 ${ip}`, 't=0 0', `m=audio ${port} RTP/AVP 96 0`,
    `a=rtpmap:96 ${HOSTILE.codec}/8000`, 'a=rtpmap:0 PCMU/8000', `a=tool:${HOSTILE.ua}`, 'a=sendrecv', ''].join('\r\n');
  const msg = (start: string, cseq: string, toTag: boolean, body = '') => Buffer.from([start, `Via: SIP/2.0/UDP ${A}:5060;branch=z9hG4bK-x1`,
    `From: "${HOSTILE.from}" <sip:alice@a.example>;tag=1`, `To: "${HOSTILE.to}" <sip:bob@b.example>${toTag ? ';tag=2' : ''}`, `Call-ID: ${HOSTILE.callId}`, `CSeq: ${cseq}`,
    `User-Agent: ${HOSTILE.ua}`, `Contact: <sip:alice@${A}:5060>`, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  const w = new PcapngWriter(new FileSink(path));
  const ifc = w.addInterface({ linkType: 1 });
  let t = 0;
  const send = (src: string, dst: string, sp: number, dp: number, payload: Buffer, at?: number) => {
    t = at ?? t + 0.01;
    const ns = Math.round(t * 1e9);
    w.writePacket(ifc, 1_700_000_000 + Math.floor(ns / 1e9), ns % 1e9, udpFrame({ src, dst, sport: sp, dport: dp, payload }));
  };
  send(A, B, 5060, 5060, msg('INVITE sip:bob@b.example SIP/2.0', '1 INVITE', false, sdp(A, 4000)));
  send(B, A, 5060, 5060, msg('SIP/2.0 183 Session Progress', '1 INVITE', true, sdp(B, 5000)));
  for (let k = 0; k < 30; k++) {
    for (const [src, dst, sp, dp, ssrc] of [[A, B, 4000, 5000, 0x1234], [B, A, 5000, 4000, 0x5678]] as const) {
      const p = Buffer.alloc(172, 0);
      p[0] = 0x80; p[1] = 96; p.writeUInt16BE(k, 2); p.writeUInt32BE(k * 160, 4); p.writeUInt32BE(ssrc, 8);
      send(src, dst, sp, dp, p, 0.05 + k * 0.02 + (src === B ? 0.005 : 0));
    }
  }
  send(B, A, 5060, 5060, msg(`SIP/2.0 486 ${HOSTILE.reason}`, '1 INVITE', true), 0.8);
  send(A, B, 5060, 5060, msg('ACK sip:bob@b.example SIP/2.0', '1 ACK', true), 0.81);
  w.close();
  assert.ok(readFileSync(path).length > 1000);
}
