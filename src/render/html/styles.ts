/**
 * The report's stylesheet: light and dark schemes (prefers-color-scheme,
 * overridden by the page's toggle through html[data-theme]), and a print
 * stylesheet (light, no controls, one call per page).
 */
import { DARK, LIGHT, type Tone } from '../status.js';

/** The status tones as CSS variables (--ok, --warn ...), from the one status colour table. */
function toneVars(c: Record<Tone, string>): string {
  return `--ok:${c.ok};--warn:${c.warn};--bad:${c.bad};--cancel:${c.cancel};--other:${c.other};`;
}

/** The dark scheme's variables, for the system's dark mode and for the page's "dark" toggle alike. */
function darkScheme(indent: string): string {
  return [
    '--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--border:#3d444d;--panel:#151b23;--panel2:#1c232c;',
    `--accent:#4493f8;${toneVars(DARK)}`,
    '--hl:#4d3d00;--sel:#12324f;--code:#151b23;--hn:#79c0ff;--plot1:#4493f8;--plot2:#f778ba;--band:rgba(247,120,186,.22);--grid:#2a313a;--ladbg:#000;',
    'color-scheme:dark;',
  ].map((l) => indent + l).join('\n');
}

export const CSS = String.raw`
:root{
  --bg:#ffffff;--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--panel:#f6f8fa;--panel2:#eef1f4;
  --accent:#0969da;${toneVars(LIGHT)}
  --hl:#fff1a8;--sel:#ddf4ff;--code:#f6f8fa;--hn:#0550ae;--plot1:#0969da;--plot2:#bf3989;--band:rgba(191,57,137,.18);--grid:#e4e8ec;--ladbg:#fff;
  color-scheme:light;
}
@media (prefers-color-scheme:dark){
  :root:not([data-theme=light]){
${darkScheme('    ')}
  }
  :root:not([data-theme=light]) .ladder svg{filter:invert(1) hue-rotate(180deg)}
}
:root[data-theme=dark]{
${darkScheme('  ')}
}
:root[data-theme=dark] .ladder svg{filter:invert(1) hue-rotate(180deg)}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg)}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}
code,pre,.mono{font-family:"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;font-size:12.5px}
header.top{position:sticky;top:0;z-index:5;display:flex;gap:12px;align-items:center;padding:8px 20px;background:var(--panel);border-bottom:1px solid var(--border)}
header.top h1{font-size:16px;margin:0;flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header.top .brand{color:var(--muted);font-weight:normal}
button,select,input{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--border);border-radius:6px;padding:3px 8px}
button{cursor:pointer}
button:hover{background:var(--panel2)}
main{padding:12px 20px 40px;max-width:1800px}
h2{font-size:18px;margin:22px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--border)}
h3{font-size:15px;margin:18px 0 6px}
h4{font-size:13px;margin:10px 0 4px;color:var(--muted)}
.muted{color:var(--muted)}
.note{color:var(--warn);font-size:13px;margin:4px 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:12px 24px;align-items:start}
table{border-collapse:collapse;font-size:13px}
th,td{padding:3px 8px;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{background:none;font-weight:normal;color:var(--muted);padding-left:0}
table.kv td{word-break:break-all}
.facts{font-size:13px}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px}
.chip{border:1px solid var(--border);border-radius:12px;padding:1px 9px;background:var(--panel);font-size:12.5px;white-space:nowrap}
.chip b{font-variant-numeric:tabular-nums}
.st{font-weight:600;white-space:nowrap}
.s-ok{color:var(--ok)}.s-warn{color:var(--warn)}.s-bad{color:var(--bad)}.s-cancel{color:var(--cancel)}.s-other{color:var(--other)}
svg.timeline{width:100%;height:auto;display:block;background:var(--panel);border:1px solid var(--border);border-radius:6px}
svg.timeline .axis{stroke:var(--border)}
svg.timeline text{fill:var(--muted);font-size:11px;font-family:system-ui,sans-serif}
svg.timeline .b-ok{fill:var(--ok)}svg.timeline .b-warn{fill:var(--warn)}svg.timeline .b-bad{fill:var(--bad)}svg.timeline .b-cancel{fill:var(--cancel)}svg.timeline .b-other{fill:var(--other)}
svg.timeline rect[data-n]{cursor:pointer}
svg.timeline rect[data-n]:hover{stroke:var(--fg);stroke-width:1}
#tl-info{font-size:12px;min-height:1.4em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.legend{display:flex;gap:14px;font-size:12px;color:var(--muted);margin:4px 0}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0 8px}
.filters input[type=search]{min-width:260px}
.tablewrap{overflow:auto;max-height:70vh;border:1px solid var(--border);border-radius:6px}
.tablewrap table{width:100%}
.tablewrap thead th{position:sticky;top:0;z-index:1}
table.sortable th[data-type]{cursor:pointer;user-select:none}
table.sortable th[data-type]::after{content:" \2195";color:var(--muted);font-size:11px}
table.sortable th[aria-sort=ascending]::after{content:" \25B2";color:var(--fg)}
table.sortable th[aria-sort=descending]::after{content:" \25BC";color:var(--fg)}
#calls tbody tr{cursor:pointer}
#calls tbody tr:hover,.msgs tbody tr:hover,.streams tbody tr:hover{background:var(--panel)}
td.wrap{max-width:260px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
details.call{border:1px solid var(--border);border-radius:8px;margin:10px 0;background:var(--bg)}
details.call[open]{content-visibility:auto;contain-intrinsic-size:auto 900px}
details.call>summary{cursor:pointer;padding:8px 12px;background:var(--panel);border-radius:8px;font-weight:600;list-style-position:inside}
details.call[open]>summary{border-bottom:1px solid var(--border);border-radius:8px 8px 0 0}
details.call>summary .sub{font-weight:normal;color:var(--muted)}
.cbody{padding:4px 14px 14px}
.cbody:empty::before{content:'Drawing this call\2026';color:var(--muted);font-size:13px}
details.sub>summary{cursor:pointer;font-weight:600;margin:14px 0 6px;font-size:15px}
.ladgrid{display:grid;grid-template-columns:minmax(0,auto) minmax(360px,1fr);gap:12px;align-items:start}
@media (max-width:1100px){.ladgrid{grid-template-columns:minmax(0,1fr)}}
.ladder{overflow:auto;border:1px solid var(--border);border-radius:6px;max-height:85vh;background:var(--ladbg)}
.ladder svg.fit{width:100%;height:auto}
.ladder svg{display:block}
.ladder g[data-row]{cursor:pointer;pointer-events:bounding-box}
.ladder g[data-row]:hover{opacity:.75}
.ladder .hl{fill:#ffe066;fill-opacity:.55;stroke:#d4a72c;stroke-width:1}
.msgpane{position:sticky;top:52px;border:1px solid var(--border);border-radius:6px;background:var(--panel);padding:8px 10px;max-height:calc(100vh - 70px);overflow:auto;min-width:0}
.msgpane .ph{color:var(--muted);font-size:13px}
.msgpane .mh{font-size:12.5px;color:var(--muted);margin-bottom:6px;overflow-wrap:anywhere}
.msgpane .mh b{color:var(--fg);font-size:14px}
pre.sip{margin:0;padding:8px;background:var(--bg);border:1px solid var(--border);border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere}
pre.sip .sl{font-weight:bold}
pre.sip .hn{color:var(--hn)}
pre.sip .sk{color:var(--cancel);font-weight:bold}
.cutnote{color:var(--warn);font-size:12px;margin-top:4px}
.msgs tbody tr{cursor:pointer}
.msgs tr.sel td,.streams tr.sel td{background:var(--sel)}
.msgs td.lbl{font-weight:600}
.r-req{color:var(--accent)}.r-prov{color:var(--muted)}.r-ok{color:var(--ok)}.r-redir{color:var(--warn)}.r-err{color:var(--bad)}
.rx{opacity:.65;font-style:italic}
ol.events{list-style:none;margin:4px 0;padding:0 0 0 14px;border-left:2px solid var(--border)}
ol.events li{position:relative;margin:0 0 6px;padding-left:10px}
ol.events li::before{content:"";position:absolute;left:-21px;top:6px;width:10px;height:10px;border-radius:50%;background:var(--accent);border:2px solid var(--bg)}
ol.events .et{font-variant-numeric:tabular-nums;color:var(--muted);display:inline-block;min-width:150px}
ol.events li.ev-answered::before{background:var(--ok)}
ol.events li.ev-declined::before,ol.events li.ev-busy::before,ol.events li.ev-rejected::before,ol.events li.ev-registration-failed::before{background:var(--bad)}
ol.events li.ev-cancelled::before{background:var(--cancel)}
ol.events li.ev-dtmf::before{border-radius:2px}
table.streams td{white-space:nowrap}
table.streams th{white-space:normal;vertical-align:bottom}
table.streams tr.snotes td{white-space:normal;border-top:0;padding-top:0;font-size:12px}
button.small{font-size:12px;padding:1px 7px;margin-left:8px;vertical-align:2px;font-weight:normal}
.plots{display:flex;flex-wrap:wrap;gap:10px 16px;margin:8px 0 14px}
.player audio{width:100%;max-width:920px;margin:4px 0}
.wavebox{overflow-x:auto}
svg.wave{display:block;max-width:100%;height:auto;background:var(--bg);border-radius:4px;cursor:pointer}
svg.wave text{fill:var(--muted);font-size:10.5px;font-family:system-ui,sans-serif}
svg.wave .ttl{fill:var(--fg);font-weight:600}
svg.wave .lane{fill:none;stroke:var(--grid)}
svg.wave .wv{stroke:none}
svg.wave .c0{fill:#2f7bd8}
svg.wave .c1{fill:#c8642b}
svg.wave .mk{stroke:var(--warn);stroke-width:1.5;stroke-dasharray:3 2}
svg.wave .mk-dtmf{stroke:var(--bad)}
svg.wave .head{stroke:var(--fg);stroke-width:1.5}
figure.stream{margin:0;border:1px solid var(--border);border-radius:6px;padding:6px 8px;background:var(--panel)}
figure.stream figcaption{font-size:12.5px;margin-bottom:4px;word-break:break-all}
figure.stream .pair{display:flex;flex-wrap:wrap;gap:8px}
svg.plot{display:block;background:var(--bg);border-radius:4px}
svg.plot text{fill:var(--muted);font-size:10.5px;font-family:system-ui,sans-serif}
svg.plot .ttl{fill:var(--fg);font-size:11.5px;font-weight:600}
svg.plot .grid{stroke:var(--grid);stroke-width:1}
svg.plot .ax{stroke:var(--muted);stroke-width:1}
svg.plot .l1{fill:none;stroke:var(--plot1);stroke-width:1.3}
svg.plot .l2{fill:none;stroke:var(--plot2);stroke-width:1.3}
svg.plot .band{fill:var(--band);stroke:none}
svg.plot .ref{stroke:var(--muted);stroke-dasharray:4 3;stroke-width:1}
footer{margin-top:30px;padding-top:8px;border-top:1px solid var(--border);color:var(--muted);font-size:12px}
.warnlist{max-height:240px;overflow:auto;font-size:13px;margin:4px 0;padding-left:18px}
.hidden{display:none!important}
.printonly{display:none}
@media print{
  :root,:root[data-theme=dark]{--bg:#fff;--fg:#000;--muted:#444;--border:#bbb;--panel:#f3f3f3;--panel2:#eee;--sel:#fff;--code:#fff;color-scheme:light}
  .ladder svg{filter:none!important}
  html,body{background:#fff;color:#000;font-size:11px}
  header.top{position:static;background:none;border:0;padding:0 0 6px}
  .noprint,.filters,button,.msgpane .ph{display:none!important}
  .printonly{display:block}
  main{padding:0;max-width:none}
  .tablewrap{max-height:none;overflow:visible;border:0}
  .tablewrap thead th{position:static}
  td.wrap{white-space:normal;max-width:none}
  details.call,details.call[open]{break-before:page;border:0;margin:0;content-visibility:visible}
  details.call>summary{list-style:none;background:none;border:0;padding:0 0 4px;font-size:15px}
  details.call>summary::-webkit-details-marker{display:none}
  .cbody{padding:0}
  .ladgrid{display:block}
  .ladder{overflow:visible;max-height:none;border:0}
  .ladder svg{max-width:100%;height:auto}
  .msgpane{position:static;max-height:none;overflow:visible;background:none}
  .msgpane.empty{display:none}
  figure.stream,svg.plot,tr,li{break-inside:avoid}
  table{width:100%;font-size:9.5px}
  th,td{padding:2px 4px;white-space:normal;overflow-wrap:normal}
  td.n,th.n,td.mono{white-space:nowrap}
  td.wrap{overflow-wrap:anywhere}
  .mono,code,pre{font-size:9px}
  #calls td:nth-child(12),#calls th:nth-child(12){display:none}
  details.texts{column-count:2;column-gap:14px}
  details.texts>summary{column-span:all}
  details.texts h4{break-after:avoid;margin:6px 0 2px;font-size:9.5px}
  pre.sip{padding:4px;font-size:8.5px}
  .plots{display:block}
  figure.stream .pair{flex-wrap:nowrap;gap:2%}
  figure.stream .pair svg.plot{width:49%;height:auto}
  figure.stream{margin:0 0 8px;background:none}
  svg.plot{background:none}
  table.sortable th[data-type]::after{content:none}
  a{color:inherit;text-decoration:none}
}
`;
