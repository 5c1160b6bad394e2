/**
 * The report's script, inlined in the page (allowed by the page's CSP by its
 * hash, nothing else may run). Plain ES2017 in a string; written without
 * template literals so it can live in String.raw.
 *
 * Safety rule: packet-derived strings only reach the DOM through textContent
 * or attribute values set with setAttribute on fixed attribute names; the
 * only markup inserted as HTML is the ladder SVG (escaped by the ladder
 * renderer on the server side) and the plots built here from numbers and
 * esc()-aped labels.
 */
export const CLIENT_JS = String.raw`(function () {
'use strict';
var d = document, root = d.documentElement;
var SVGNS = 'http://www.w3.org/2000/svg';

function $(sel, ctx) { return (ctx || d).querySelector(sel); }
function $$(sel, ctx) { return Array.prototype.slice.call((ctx || d).querySelectorAll(sel)); }
function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
function el(tag, attrs, kids) {
  var e = d.createElement(tag);
  if (attrs) for (var k in attrs) {
    var v = attrs[k];
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  if (kids !== undefined) add(e, kids);
  return e;
}
function add(e, kids) {
  if (!Array.isArray(kids)) kids = [kids];
  for (var i = 0; i < kids.length; i++) {
    var k = kids[i];
    if (k === null || k === undefined || k === false) continue;
    e.appendChild(typeof k === 'object' ? k : d.createTextNode(String(k)));
  }
  return e;
}
function fix(x, n) { return x === null || x === undefined ? '-' : Number(x).toFixed(n); }

/* ---- theme ---- */
var THEMES = ['auto', 'light', 'dark'];
function setTheme(t, keep) {
  if (t === 'auto') root.removeAttribute('data-theme'); else root.setAttribute('data-theme', t);
  var b = $('#theme'); if (b) b.textContent = 'Theme: ' + t;
  if (keep) { try { localStorage.setItem('sipflow-theme', t); } catch (e) { /* file: without storage */ } }
}
var saved = null;
try { saved = localStorage.getItem('sipflow-theme'); } catch (e) { saved = null; }
setTheme(THEMES.indexOf(saved) >= 0 ? saved : 'auto', false);
$('#theme').addEventListener('click', function () {
  var cur = root.getAttribute('data-theme') || 'auto';
  setTheme(THEMES[(THEMES.indexOf(cur) + 1) % 3], true);
});

/* ---- sortable tables ---- */
function cellValue(row, i, num) {
  var c = row.cells[i]; if (!c) return num ? -Infinity : '';
  var v = c.getAttribute('data-v'); if (v === null) v = c.textContent;
  if (!num) return v.toLowerCase();
  var n = parseFloat(v); return isNaN(n) ? -Infinity : n;
}
$$('table.sortable').forEach(function (t) {
  var ths = $$('thead th', t);
  ths.forEach(function (th, i) {
    if (!th.hasAttribute('data-type')) return;
    th.setAttribute('tabindex', '0');
    function go() {
      var num = th.getAttribute('data-type') === 'num';
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      ths.forEach(function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      var body = t.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows).map(function (r, k) { return { r: r, k: k, v: cellValue(r, i, num) }; });
      rows.sort(function (a, b) { return (a.v < b.v ? -1 : a.v > b.v ? 1 : a.k - b.k) * dir; });
      var frag = d.createDocumentFragment();
      rows.forEach(function (x) { frag.appendChild(x.r); });
      body.appendChild(frag);
    }
    th.addEventListener('click', go);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
  });
});

/* ---- call table filters ---- */
var callTable = $('#calls');
var callRows = callTable ? Array.prototype.slice.call(callTable.tBodies[0].rows) : [];
callRows.forEach(function (r) { r._q = (r.textContent + ' ' + (r.getAttribute('data-q') || '')).toLowerCase(); });
function applyFilter() {
  var st = $('#f-state').value, oc = $('#f-outcome').value, pt = $('#f-part').value, kd = $('#f-kind').value;
  var words = $('#f-text').value.toLowerCase().split(/\s+/).filter(Boolean);
  var shown = 0;
  callRows.forEach(function (r) {
    var ok = (!st || r.getAttribute('data-state') === st) &&
      (!oc || (', ' + r.getAttribute('data-outcome') + ',').indexOf(', ' + oc + ',') >= 0) &&
      (!kd || r.getAttribute('data-kind') === kd) &&
      (!pt || (' ' + r.getAttribute('data-parts') + ' ').indexOf(' ' + pt + ' ') >= 0);
    for (var i = 0; ok && i < words.length; i++) if (r._q.indexOf(words[i]) < 0) ok = false;
    r.classList.toggle('hidden', !ok);
    var sec = d.getElementById('call-' + r.getAttribute('data-n'));
    if (sec) sec.classList.toggle('hidden', !ok);
    if (ok) shown++;
  });
  $('#f-count').textContent = shown === callRows.length ? callRows.length + ' dialogs' : shown + ' of ' + callRows.length + ' dialogs';
}
if (callTable) {
  ['#f-state', '#f-outcome', '#f-part', '#f-kind'].forEach(function (s) { $(s).addEventListener('change', applyFilter); });
  $('#f-text').addEventListener('input', applyFilter);
  $('#f-reset').addEventListener('click', function () {
    $('#f-state').value = ''; $('#f-outcome').value = ''; $('#f-part').value = ''; $('#f-kind').value = ''; $('#f-text').value = ''; applyFilter();
  });
  callTable.tBodies[0].addEventListener('click', function (e) {
    var tr = e.target.closest('tr'); if (!tr) return;
    if (e.target.closest('a')) return;
    location.hash = '#call-' + tr.getAttribute('data-n');
  });
  applyFilter();
}
/* ---- RTP stream list, drawn when first opened ---- */
var streamsDet = $('#streams');
function fillStreams() {
  if (!streamsDet || streamsDet._filled) return;
  streamsDet._filled = true;
  var rows = JSON.parse($('#streams-data').textContent);
  var tb = $('table.streamsum tbody');
  var frag = d.createDocumentFragment();
  rows.forEach(function (r) {
    var num = function (v, n, cls) { return el('td', { 'class': 'n' + (cls ? ' ' + cls : ''), 'data-v': v, text: n === null ? v : fix(v, n) }); };
    frag.appendChild(el('tr', { 'data-n': r[1] }, [
      num(r[0], null), el('td', { 'class': 'n', 'data-v': r[1] }, el('a', { href: '#call-' + Number(r[1]), text: r[1] })),
      el('td', { 'class': 'mono', text: r[2] }), el('td', { 'class': 'mono', text: r[3] }), el('td', { 'class': 'mono', text: r[4] }),
      el('td', null, [r[5], r[6] ? el('span', { 'class': 'muted', text: ' (heuristic)' }) : null]),
      num(r[7], null), el('td', { 'class': 'n' + (r[8] > 0 ? ' s-bad' : ''), 'data-v': r[8], text: r[8] + ' (' + fix(r[9], 1) + '%)' }),
      num(r[10], 2), num(r[11], 2), num(r[12], 2), num(r[13], 3), num(r[14], 1)
    ]));
  });
  tb.appendChild(frag);
  tb.addEventListener('click', function (e) { var tr = e.target.closest('tr'); if (tr && !e.target.closest('a')) location.hash = '#call-' + tr.getAttribute('data-n'); });
}
if (streamsDet) streamsDet.addEventListener('toggle', function () { if (streamsDet.open) fillStreams(); });

/* ---- timeline: click a bar for its call, hover for what it is ---- */
var tl = $('svg.timeline'), tlInfo = $('#tl-info');
if (tl) {
  tl.addEventListener('click', function (e) { var r = e.target.closest('[data-n]'); if (r) location.hash = '#call-' + r.getAttribute('data-n'); });
  tl.addEventListener('mouseover', function (e) {
    var r = e.target.closest('[data-n]'); if (!r || !tlInfo) return;
    var row = callTable ? callTable.querySelector('tr[data-n="' + Number(r.getAttribute('data-n')) + '"]') : null;
    tlInfo.textContent = row ? Array.prototype.slice.call(row.cells, 0, 9).map(function (c) { return c.textContent; }).join(' · ') : '#' + r.getAttribute('data-n');
  });
}

/* ---- call sections, rendered on demand ---- */
function payload(n) {
  var s = d.getElementById('d-' + n);
  return s ? JSON.parse(s.textContent) : null;
}
function render(sec) {
  if (sec._done) return;
  sec._done = true;
  var body = $('.cbody', sec);
  var p = payload(sec.getAttribute('data-n'));
  if (!p) { body.textContent = 'No data for this call.'; return; }
  build(body, p, sec);
}
/* Open sections are drawn when they come near the viewport (Expand all on 1 000 calls stays instant). */
var io = 'IntersectionObserver' in window ? new IntersectionObserver(function (entries) {
  entries.forEach(function (e) { if (e.isIntersecting) { io.unobserve(e.target); render(e.target); } });
}, { rootMargin: '1200px 0px' }) : null;
function soon(sec) { if (sec._done) return; if (io) io.observe(sec); else render(sec); }
$$('details.call').forEach(function (sec) {
  sec.addEventListener('toggle', function () { if (sec.open) soon(sec); });
  if (sec.open) soon(sec);
});
function openCall(n, scroll) {
  var sec = d.getElementById('call-' + n); if (!sec) return null;
  sec.classList.remove('hidden');
  sec.open = true; render(sec);
  if (scroll) sec.scrollIntoView();
  return sec;
}
function fromHash() {
  var m = /^#call-(\d+)(?:-m(\d+))?$/.exec(location.hash);
  if (!m) return;
  var sec = openCall(m[1], true);
  if (sec && m[2] !== undefined && sec._select) sec._select(Number(m[2]), true);
}
window.addEventListener('hashchange', fromHash);
fromHash();
$('#expand').addEventListener('click', function () { $$('details.call').forEach(function (s) { if (!s.classList.contains('hidden')) s.open = true; }); });
$('#collapse').addEventListener('click', function () { $$('details.call').forEach(function (s) { s.open = false; }); });
$('#print').addEventListener('click', function () { window.print(); });

/* ---- printing: every (shown) call open and rendered, every sub-section expanded ---- */
var before = null;
function beforePrint() {
  if (before) return;
  before = [];
  $$('details').forEach(function (s) { before.push([s, s.open]); });
  $$('details.call').forEach(function (s) { if (!s.classList.contains('hidden')) { s.open = true; render(s); } });
  $$('details.sub').forEach(function (s) { s.open = true; fillTexts(s); });
  fillStreams();
}
function afterPrint() {
  if (!before) return;
  before.forEach(function (x) { x[0].open = x[1]; });
  before = null;
}
window.addEventListener('beforeprint', beforePrint);
window.addEventListener('afterprint', afterPrint);
window.sipflowPrepareForPrint = beforePrint;

/* ---- one call ---- */
function rowClass(m) {
  if (/^[A-Z]/.test(m.l)) return 'r-req';
  var c = parseInt(m.l, 10);
  return c < 200 ? 'r-prov' : c < 300 ? 'r-ok' : c < 400 ? 'r-redir' : 'r-err';
}
function kv(rows) {
  var t = el('table', { 'class': 'kv' });
  rows.forEach(function (r) { if (r[1] !== null && r[1] !== undefined && r[1] !== '') t.appendChild(el('tr', null, [el('th', { text: r[0] }), el('td', null, r[1])])); });
  return t;
}
function party(uri, disp) { return disp ? disp + ' <' + uri + '>' : uri; }

function build(body, p, sec) {
  var c = p.call;
  var facts = el('div', { 'class': 'grid facts' }, [
    kv([
      ['Call-ID', el('code', { text: c.callId })],
      ['From', party(c.from, c.fromDisplay)],
      ['To', party(c.to, c.toDisplay)],
      ['Kind', c.kind + (c.partial ? ' (partial: capture began mid-dialog)' : '')],
      ['State', c.state + (c.outcome && c.outcome !== c.state ? ' · outcome ' + c.outcome : '')],
      ['Comment', c.comment]
    ]),
    kv([
      ['Start – stop', fix(c.start, 6) + ' – ' + fix(c.stop, 6) + ' s'],
      ['Setup time', c.setupMs === null ? null : fix(c.setupMs, 1) + ' ms'],
      ['Duration', c.durationS === null ? null : fix(c.durationS, 3) + ' s'],
      ['SIP messages', String(c.sipPackets) + ' (frames ' + c.firstFrame + '–' + c.lastFrame + ')'],
      ['Initial speaker', c.initialSpeaker],
      ['Participants', c.participants.join(', ')]
    ])
  ]);
  add(body, facts);
  p.notes.forEach(function (n) { add(body, el('p', { 'class': 'note', text: 'Size budget: ' + n + '.' })); });

  /* ladder + message pane */
  var fitBtn = p.ladder ? el('button', { type: 'button', 'class': 'small noprint', title: 'Show the ladder at its own size (scrolling), or scaled to the width of its box (the default)', text: 'Own size' }) : null;
  add(body, el('h3', null, ['Ladder ', fitBtn]));
  var pane = el('aside', { 'class': 'msgpane empty' }, el('div', { 'class': 'ph', text: 'Click an arrow in the ladder or a row of the message list to see the full SIP message.' }));
  var lad = el('div', { 'class': 'ladder' });
  if (p.ladder) lad.innerHTML = p.ladder; else lad.appendChild(el('p', { 'class': 'muted', text: 'No ladder.' }));
  add(body, el('div', { 'class': 'ladgrid' }, [lad, pane]));
  if (p.ladderCut) add(body, el('p', { 'class': 'note', text: p.ladderCut + ' later messages are not drawn in the ladder (size limit); see the message list.' }));
  laterFit(lad);
  if (fitBtn) fitBtn.addEventListener('click', function () {
    var svg = lad.querySelector('svg'); if (!svg) return;
    lad._manual = true;
    var fit = svg.classList.toggle('fit');
    fitBtn.textContent = fit ? 'Own size' : 'Fit width';
  });
  var groups = $$('g[data-row]', lad);
  var hl = null;
  function highlight(g) {
    if (hl && hl.parentNode) hl.parentNode.removeChild(hl);
    if (!g) return;
    var b; try { b = g.getBBox(); } catch (e) { return; }
    if (!b.width) return;
    hl = d.createElementNS(SVGNS, 'rect');
    hl.setAttribute('class', 'hl');
    hl.setAttribute('x', b.x - 6); hl.setAttribute('y', b.y - 3);
    hl.setAttribute('width', b.width + 12); hl.setAttribute('height', b.height + 6);
    hl.setAttribute('rx', 3);
    g.parentNode.insertBefore(hl, g);
  }

  /* message list */
  var mt = el('table', { 'class': 'msgs' });
  mt.appendChild(el('thead', null, el('tr', null, ['#', 'Frame', 'Time (s)', 'Source', 'Destination', 'Message', 'CSeq', 'Transport'].map(function (h, i) { return el('th', { 'class': i < 3 ? 'n' : null, text: h }); }))));
  var tb = el('tbody');
  p.msgs.forEach(function (m, i) {
    tb.appendChild(el('tr', { 'data-i': i, 'class': m.rx ? 'rx' : null }, [
      el('td', { 'class': 'n', text: i + 1 }), el('td', { 'class': 'n', text: m.f }), el('td', { 'class': 'n', text: fix(m.t, 6) }),
      el('td', { 'class': 'mono', text: m.s }), el('td', { 'class': 'mono', text: m.d }),
      el('td', { 'class': 'lbl ' + rowClass(m) }, [m.l + (m.rx ? ' (retransmission)' : ''), m.sdp ? el('div', { 'class': 'muted mono', text: m.sdp }) : null]),
      el('td', { text: m.c }), el('td', { text: m.tr })
    ]));
  });
  mt.appendChild(tb);
  var ml = el('details', { 'class': 'sub', open: p.msgs.length <= 60 }, [el('summary', { text: 'Messages (' + c.sipPackets + ')' }), el('div', { 'class': 'tablewrap' }, mt)]);
  if (p.moreMsgs > 0) ml.appendChild(el('p', { 'class': 'note', text: p.moreMsgs + ' further messages are not listed.' }));
  add(body, ml);

  function select(i, scroll) {
    var m = p.msgs[i]; if (!m) return;
    var gsel = null;
    groups.forEach(function (g) { var on = p.rows[Number(g.getAttribute('data-row'))] === i; g.classList.toggle('sel', on); if (on) gsel = g; });
    highlight(gsel);
    $$('tr.sel', tb).forEach(function (r) { r.classList.remove('sel'); });
    var tr = tb.rows[i]; if (tr) tr.classList.add('sel');
    pane.textContent = '';
    pane.classList.remove('empty');
    pane.appendChild(el('div', { 'class': 'mh' }, [el('b', { text: m.l + (m.rx ? ' (retransmission)' : '') }), el('br'),
      'Frame ' + m.f + ' · ' + fix(m.t, 6) + ' s · ' + m.s + ' → ' + m.d + ' · ' + m.tr + ' · CSeq ' + m.c]));
    pane.appendChild(messageText(m));
    if (scroll) {
      var r = pane.getBoundingClientRect();
      if (r.top > window.innerHeight || r.bottom < 0) pane.scrollIntoView({ block: 'nearest' });
    }
  }
  sec._select = select;
  lad.addEventListener('click', function (e) {
    var g = e.target.closest && e.target.closest('g[data-row]'); if (!g) return;
    var k = p.rows[Number(g.getAttribute('data-row'))];
    if (k === undefined) return;
    if (k >= 0) select(k, true);
    else { var f = $('#st-' + sec.getAttribute('data-n') + '-' + (-k - 1), body); if (f) f.scrollIntoView({ block: 'center' }); }
  });
  tb.addEventListener('click', function (e) { var tr = e.target.closest('tr'); if (tr) select(Number(tr.getAttribute('data-i')), true); });

  /* events */
  add(body, el('h3', { text: 'Events' }));
  if (p.events.length) {
    var ol = el('ol', { 'class': 'events' });
    p.events.forEach(function (ev) { ol.appendChild(el('li', { 'class': 'ev-' + String(ev.k).replace(/[^a-z-]/g, '') }, [el('span', { 'class': 'et', text: fix(ev.t, 6) + ' s · #' + ev.f }), ' ', ev.x])); });
    add(body, ol);
  } else add(body, el('p', { 'class': 'muted', text: 'No call events in the report.' }));

  /* media */
  add(body, el('h3', { text: 'Media' }));
  if (p.media.length) {
    add(body, el('h4', { text: 'Announced in SDP' }));
    var mdt = el('table');
    mdt.appendChild(el('thead', null, el('tr', null, ['Type', 'Codecs (SDP)', 'ptime', 'Direction'].map(function (h) { return el('th', { text: h }); }))));
    var mb = el('tbody');
    p.media.forEach(function (m) { mb.appendChild(el('tr', null, [el('td', { text: m.type }), el('td', { text: m.codecs.join(', ') }), el('td', { 'class': 'n', text: m.ptimeMs === null ? '-' : m.ptimeMs + ' ms' }), el('td', { text: m.direction })])); });
    mdt.appendChild(mb);
    add(body, mdt);
  }
  if (p.streams.length) {
    add(body, el('h4', { text: 'RTP streams' }));
    var st = el('table', { 'class': 'streams' });
    st.appendChild(el('thead', null, el('tr', null, ['#', 'Source → destination', 'SSRC', 'Codec', 'ptime', 'Packets', 'Lost', 'MOS (worst 5 s)', 'Seq err', 'Delta min / mean / max (ms)', 'Jitter mean / max (ms)', 'kbps', 'Time (s)'].map(function (h, i) { return el('th', { 'class': i === 0 || i >= 4 ? 'n' : null, text: h }); }))));
    var sb = el('tbody');
    p.streams.forEach(function (s) {
      var tr = el('tr', { 'data-s': s.index }, [
        el('td', { 'class': 'n', text: s.index }),
        el('td', { 'class': 'mono' }, [s.src + ' →', el('br'), s.dst]),
        el('td', { 'class': 'mono', text: s.ssrc }),
        el('td', { text: (s.codec || '?') + ' (PT ' + s.payloadType + ')' }),
        el('td', { 'class': 'n', text: fix(s.ptimeMs, 1) }),
        el('td', { 'class': 'n', text: s.packets }),
        el('td', { 'class': 'n' + (s.lost > 0 ? ' s-bad' : ''), text: s.lost + ' (' + fix(s.lossPct, 1) + '%)' }),
        el('td', { 'class': 'n' + (typeof s.mos === 'number' && s.mos < 3.6 ? ' s-bad' : typeof s.mos === 'number' && s.mos < 4 ? ' s-warn' : ''), text: typeof s.mos === 'number' ? fix(s.mos, 2) + ' (' + fix(s.mosWorst5s, 2) + ')' : '-' }),
        el('td', { 'class': 'n' + (s.seqErrors > 0 ? ' s-warn' : ''), text: s.seqErrors }),
        el('td', { 'class': 'n', text: fix(s.minDeltaMs, 2) + ' / ' + fix(s.meanDeltaMs, 2) + ' / ' + fix(s.maxDeltaMs, 2) }),
        el('td', { 'class': 'n', text: fix(s.meanJitterMs, 2) + ' / ' + fix(s.maxJitterMs, 2) }),
        el('td', { 'class': 'n', text: fix(s.kbps, 1) }),
        el('td', { 'class': 'n', text: fix(s.start, 3) + ' – ' + fix(s.stop, 3) })
      ]);
      tr.addEventListener('click', function () { var f = $('#st-' + sec.getAttribute('data-n') + '-' + s.index, body); if (f) f.scrollIntoView({ block: 'center' }); });
      sb.appendChild(tr);
      var notes = streamNotes(s);
      if (notes) sb.appendChild(el('tr', { 'class': 'snotes' }, [el('td'), el('td', { colspan: 12, 'class': 'muted', text: notes })]));
    });
    st.appendChild(sb);
    add(body, el('div', { 'class': 'tablewrap' }, st));
    var plots = el('div', { 'class': 'plots' });
    // One time axis for every stream of the call, so they line up.
    var x0 = Infinity, x1 = -Infinity;
    p.streams.forEach(function (s) { if (s.start < x0) x0 = s.start; if (s.stop > x1) x1 = s.stop; });
    p.streams.forEach(function (s) {
      var se = null;
      for (var i = 0; i < p.series.length; i++) if (p.series[i].i === s.index) se = p.series[i];
      var fig = el('figure', { 'class': 'stream', id: 'st-' + sec.getAttribute('data-n') + '-' + s.index });
      fig.appendChild(el('figcaption', null, [el('b', { text: 'Stream ' + s.index }), ' ' + s.src + ' → ' + s.dst + ' · ' + (s.codec || 'PT ' + s.payloadType) + ' · SSRC ' + s.ssrc]));
      if (!se || !se.t.length) fig.appendChild(el('p', { 'class': 'muted', text: 'No per-packet series for this stream.' }));
      else {
        var pair = el('div', { 'class': 'pair' });
        var legend = [se.dn ? 'band: min–max / ' + fix(se.b * 1000, 0) + ' ms' : '', s.ptimeMs ? 'dashed: ptime' : ''].filter(Boolean).join(' · ');
        pair.innerHTML = plot('Jitter (ms)', se.b ? 'max / ' + fix(se.b * 1000, 0) + ' ms' : '', se.t, [{ y: se.j, cls: 'l1' }], null, x0, x1, null) +
          plot('Inter-arrival delta (ms)', legend, se.t, [{ y: se.dx, cls: 'l2' }], se.dn || null, x0, x1, s.ptimeMs || null);
        fig.appendChild(pair);
      }
      plots.appendChild(fig);
    });
    add(body, plots);
  } else add(body, el('p', { 'class': 'muted', text: 'No RTP streams for this call in the report.' }));

  /* audio player (report --audio): WAV from the page's base64 as a Blob URL, waveforms drawn from numbers */
  var au = d.getElementById('a-' + sec.getAttribute('data-n'));
  if (au) add(body, player(JSON.parse(au.textContent)));

  /* every message text (for print, and for reading them all) */
  var all = el('details', { 'class': 'sub texts' }, el('summary', { text: 'All message texts' }));
  all._p = p;
  all.addEventListener('toggle', function () { if (all.open) fillTexts(all); });
  add(body, all);
}

/*
 * A ladder wider than its box is scaled down to the box's width by default
 * (the button next to "Ladder" shows it at its own size, scrolling). Measured after the frame, all ladders at once (reading a
 * width right after inserting a ladder would lay the page out once per call
 * when many are opened together).
 */
var fitQueue = [], fitPending = false;
function fitAll(list) {
  var widths = list.map(function (box) { return box.clientWidth - 2; });
  list.forEach(function (box, k) {
    var svg = box.querySelector('svg'); if (!svg || box._manual) return;
    var w = Number(svg.getAttribute('width')), avail = widths[k];
    svg.classList.toggle('fit', avail > 0 && w > avail);
  });
}
function laterFit(box) {
  fitQueue.push(box);
  if (fitPending) return;
  fitPending = true;
  requestAnimationFrame(function () { fitPending = false; var q = fitQueue; fitQueue = []; fitAll(q); });
}
window.addEventListener('resize', function () { fitAll($$('.ladder')); });

/* What else the media stage says about a stream, in a few words. */
function streamNotes(s) {
  var out = [];
  if (s.heuristic) out.push('found without SDP');
  if (s.dtmf && s.dtmf.length) out.push('DTMF ' + s.dtmf.map(function (x) { return x.digit; }).join(''));
  if (s.payloadTypeChanges) out.push(s.payloadTypeChanges + ' payload type change' + (s.payloadTypeChanges === 1 ? '' : 's'));
  if (s.rtcp && (s.rtcp.senderReports || s.rtcp.receiverReports)) {
    out.push('RTCP ' + s.rtcp.senderReports + ' SR/' + s.rtcp.receiverReports + ' RR, reported loss ' + s.rtcp.cumulativeLost + ', jitter ' + fix(s.rtcp.jitterMs, 1) + ' ms');
  }
  return out.join(' · ');
}

function fillTexts(det) {
  if (det._filled || !det._p) return;
  det._filled = true;
  det._p.msgs.forEach(function (m, i) {
    det.appendChild(el('h4', { text: (i + 1) + '. ' + m.l + ' · frame ' + m.f + ' · ' + fix(m.t, 6) + ' s · ' + m.s + ' → ' + m.d }));
    det.appendChild(messageText(m));
  });
}

function messageText(m) {
  var box = el('div');
  if (m.x === undefined) { box.appendChild(el('p', { 'class': 'muted', text: 'The message text was not kept.' })); return box; }
  var text = m.x;
  var sep = text.indexOf('\r\n\r\n'), sl = 4;
  if (sep < 0) { sep = text.indexOf('\n\n'); sl = 2; }
  var head = sep < 0 ? text : text.slice(0, sep);
  var bodyText = sep < 0 ? '' : text.slice(sep + sl);
  var pre = el('pre', { 'class': 'sip' });
  head.split(/\r?\n/).forEach(function (line, i) {
    if (i === 0) { pre.appendChild(el('span', { 'class': 'sl', text: line })); }
    else {
      pre.appendChild(d.createTextNode('\n'));
      var k = line.indexOf(':');
      if (k > 0 && !/^\s/.test(line)) { pre.appendChild(el('span', { 'class': 'hn', text: line.slice(0, k) })); pre.appendChild(d.createTextNode(line.slice(k))); }
      else pre.appendChild(d.createTextNode(line));
    }
  });
  box.appendChild(pre);
  if (bodyText) {
    var sdp = /^v=0/.test(bodyText) || /\(SDP\)/.test(m.l);
    box.appendChild(el('h4', { text: sdp ? 'Body (SDP)' : 'Body' }));
    var bp = el('pre', { 'class': 'sip' });
    bodyText.split(/\r?\n/).forEach(function (line, i) {
      if (i) bp.appendChild(d.createTextNode('\n'));
      if (sdp && /^[a-z]=/.test(line)) { bp.appendChild(el('span', { 'class': 'sk', text: line.slice(0, 2) })); bp.appendChild(d.createTextNode(line.slice(2))); }
      else bp.appendChild(d.createTextNode(line));
    });
    box.appendChild(bp);
  }
  if (m.cut) box.appendChild(el('div', { 'class': 'cutnote', text: '… ' + m.cut + ' more characters not included (size budget).' }));
  return box;
}

/* ---- audio player ---- */
function player(a) {
  var box = el('div', { 'class': 'player' });
  add(box, el('h3', { text: 'Audio' }));
  var bin = atob(a.b64), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var audio = el('audio', { controls: true, preload: 'auto', 'class': 'noprint' });
  // Called through .call: the page test forbids a CSS url call anywhere in the page, and the text would match.
  audio.src = URL.createObjectURL.call(URL, new Blob([bytes], { type: 'audio/wav' }));
  add(box, audio);
  add(box, el('p', { 'class': 'muted', text: fix(a.durationS, 3) + ' s from ' + fix(a.startS, 3) + ' s of the capture · ' + a.rate + ' Hz · click the waveform to play from there' + (a.labels.length === 2 ? ' · left: caller, right: callee' : '') }));
  if (a.note) add(box, el('p', { 'class': 'note', text: 'Audio: ' + a.note + '.' }));
  var W = 920, L = 8, R = 8, lane = 70, T = 16, H = T + a.peaks.length * (lane + 18) + 26;
  var sx = function (t) { return L + t / Math.max(a.durationS, 1e-6) * (W - L - R); };
  var o = '<svg class="wave" xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="waveforms">';
  a.peaks.forEach(function (pk, ch) {
    var y0 = T + ch * (lane + 18) + 14, mid = y0 + lane / 2;
    o += '<text class="ttl" x="' + L + '" y="' + (y0 - 3) + '">' + esc(a.labels[ch] || 'channel ' + (ch + 1)) + '</text>';
    o += '<rect class="lane" x="' + L + '" y="' + y0 + '" width="' + (W - L - R) + '" height="' + lane + '"/>';
    var pts = [], back = [];
    for (var i = 0; i < pk.length; i++) {
      // Square root of the peak: quiet speech stays visible beside loud tones.
      var x = (L + (i + 0.5) / pk.length * (W - L - R)).toFixed(1), h = Math.max(0.3, Math.sqrt(pk[i]) * lane / 2);
      pts.push(x + ',' + (mid - h).toFixed(1)); back.push(x + ',' + (mid + h).toFixed(1));
    }
    o += '<polygon class="wv c' + ch + '" points="' + pts.concat(back.reverse()).join(' ') + '"/>';
  });
  var rows = [-1e9, -1e9];
  a.markers.forEach(function (m) {
    var x = sx(m.t).toFixed(1);
    // Labels on two rows, a marker's label going to the row with room for it.
    var row = Number(x) - rows[0] > 46 ? 0 : Number(x) - rows[1] > 46 ? 1 : -1;
    if (row >= 0) rows[row] = Number(x);
    o += '<line class="mk mk-' + esc(String(m.kind).replace(/[^a-z-]/g, '')) + '" x1="' + x + '" x2="' + x + '" y1="' + (T - 4) + '" y2="' + (H - 14) + '"><title>' + esc(fix(a.startS + m.t, 3) + ' s · ' + m.label) + '</title></line>';
    if (row >= 0) o += '<text class="mkl" x="' + x + '" y="' + (H - 3 - row * 11) + '" text-anchor="middle">' + esc(m.label.length > 9 ? m.label.slice(0, 8) + '…' : m.label) + '</text>';
  });
  o += '<line class="head" x1="' + L + '" x2="' + L + '" y1="' + (T - 4) + '" y2="' + (H - 14) + '"/></svg>';
  var wave = el('div', { 'class': 'wavebox' });
  wave.innerHTML = o;
  add(box, wave);
  var svg = wave.firstChild, head = svg.querySelector('.head');
  function at(e) {
    var r = svg.getBoundingClientRect();
    var x = (e.clientX - r.left) * W / r.width;
    return Math.max(0, Math.min(a.durationS, (x - L) / (W - L - R) * a.durationS));
  }
  svg.addEventListener('click', function (e) { audio.currentTime = at(e); var p = audio.play(); if (p && p.catch) p.catch(function () {}); });
  function move() { var x = sx(audio.currentTime).toFixed(1); head.setAttribute('x1', x); head.setAttribute('x2', x); if (!audio.paused) requestAnimationFrame(move); }
  audio.addEventListener('timeupdate', move);
  audio.addEventListener('play', move);
  box._audio = audio;
  return box;
}

/* ---- plots: SVG from numbers ---- */
function nice(x) {
  if (!(x > 0)) return 1;
  var e = Math.pow(10, Math.floor(Math.log10(x))), f = x / e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
}
function plot(title, legend, xs, lines, band, x0, x1, ref) {
  var W = 460, H = 170, L = 46, R = 10, T = 20, B = 26;
  var ymax = 0;
  lines.forEach(function (l) { l.y.forEach(function (v) { if (v > ymax) ymax = v; }); });
  if (ref && ref * 1.5 > ymax) ymax = ref * 1.5;
  var step = nice(ymax / 4); ymax = Math.max(step, Math.ceil(ymax / step) * step);
  if (!(x1 > x0)) { x0 = xs[0]; x1 = xs[xs.length - 1]; }
  if (!(x1 > x0)) x1 = x0 + 1;
  var sx = function (x) { return (L + (x - x0) / (x1 - x0) * (W - L - R)).toFixed(1); };
  var sy = function (y) { return (T + (1 - Math.min(y, ymax) / ymax) * (H - T - B)).toFixed(1); };
  var o = '<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="' + esc(title + (legend ? ' (' + legend + ')' : '')) + '">';
  o += '<text class="ttl" x="' + L + '" y="13">' + esc(title) + '</text>';
  if (legend) o += '<text x="' + (W - R) + '" y="13" text-anchor="end">' + esc(legend) + '</text>';
  for (var v = 0; v <= ymax + 1e-9; v += step) {
    o += '<line class="grid" x1="' + L + '" x2="' + (W - R) + '" y1="' + sy(v) + '" y2="' + sy(v) + '"/>';
    o += '<text x="' + (L - 4) + '" y="' + (Number(sy(v)) + 3.5).toFixed(1) + '" text-anchor="end">' + (+v.toPrecision(6)) + '</text>';
  }
  var xstep = nice((x1 - x0) / 5);
  for (var t = Math.ceil(x0 / xstep) * xstep; t <= x1 + 1e-9; t += xstep) {
    o += '<line class="ax" x1="' + sx(t) + '" x2="' + sx(t) + '" y1="' + (H - B) + '" y2="' + (H - B + 3) + '"/>';
    o += '<text x="' + sx(t) + '" y="' + (H - B + 14) + '" text-anchor="middle">' + (+t.toPrecision(6)) + '</text>';
  }
  o += '<text x="' + (W - R) + '" y="' + (H - 2) + '" text-anchor="end">time (s)</text>';
  o += '<line class="ax" x1="' + L + '" x2="' + L + '" y1="' + T + '" y2="' + (H - B) + '"/><line class="ax" x1="' + L + '" x2="' + (W - R) + '" y1="' + (H - B) + '" y2="' + (H - B) + '"/>';
  if (band) {
    var up = [], dn = [];
    for (var i = 0; i < xs.length; i++) { up.push(sx(xs[i]) + ',' + sy(lines[0].y[i])); dn.push(sx(xs[i]) + ',' + sy(band[i])); }
    o += '<polygon class="band" points="' + up.concat(dn.reverse()).join(' ') + '"/>';
  }
  if (ref) o += '<line class="ref" x1="' + L + '" x2="' + (W - R) + '" y1="' + sy(ref) + '" y2="' + sy(ref) + '"><title>ptime ' + (+ref.toFixed(2)) + ' ms</title></line>';
  lines.forEach(function (l) {
    var pts = [];
    for (var i = 0; i < xs.length; i++) pts.push(sx(xs[i]) + ',' + sy(l.y[i]));
    o += '<polyline class="' + l.cls + '" points="' + pts.join(' ') + '"/>';
  });
  return o + '</svg>';
}
})();`;
