// ops dashboard: the console's view in a browser. Plain ES module, no build step: it reads
// /api/v1 with the key the user gives once and refetches a panel when the event stream
// says its data changed. Every value from the API is put on the page as text (textContent),
// never as markup.
import uPlot from '/vendor/uPlot.esm.js';

const API = '/api/v1';
// sessionStorage, not localStorage: an operator key can stop every deployment, so it lives
// only as long as the tab (not on disk, not in other tabs, gone when a shared screen's tab closes).
const KEY_SLOT = 'ops.apiKey';

const $ = (id) => document.getElementById(id);
const state = {
  key: sessionStorage.getItem(KEY_SLOT),
  who: null,
  engagements: [],
  workflows: [],
  lastEventId: null,
  source: null,
  retryTimer: null,
  charts: {},
  // The server's clock minus ours (from /status): "… ago" counts on the server's time, which
  // a demo or a test may pin (OPS_NOW).
  skewMs: 0,
};

// ---------------------------------------------------------------- HTTP

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** fetch with the key; a problem+json answer becomes an ApiError carrying its detail. */
async function api(path, init = {}) {
  const res = await fetch(API + path, { ...init, headers: { ...(init.headers || {}), authorization: `Bearer ${state.key}`, accept: 'application/json' } });
  if (res.status === 401) {
    signOut('The server did not accept the key (unknown or revoked): sign in again.');
    throw new ApiError(401, 'not signed in');
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) throw new ApiError(res.status, (body && (body.detail || body.title)) || `HTTP ${res.status}`);
  return body;
}

// ---------------------------------------------------------------- formatting

const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)} %`);
function dur(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}
const timeFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const when = (iso) => (iso ? timeFmt.format(new Date(iso)) : '—');
function ago(iso) {
  if (!iso) return '';
  const min = Math.round((Date.now() + state.skewMs - Date.parse(iso)) / 60000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  return h < 48 ? `${h} h ${min % 60} min ago` : `${Math.floor(h / 24)} days ago`;
}

/** An element with text (never HTML) and attributes. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}
const stat = (label, value, cls, small) => el('div', {}, el('dt', {}, label), el('dd', { class: cls }, value, small ? el('small', {}, small) : null));

function panelError(panel, err) {
  const p = $(panel).querySelector('.err');
  if (!p) return;
  p.hidden = !err;
  p.textContent = err ? `Could not load: ${err.message}` : '';
}

let noticeTimer;
function notice(text) {
  const n = $('notice');
  n.textContent = text;
  n.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (n.hidden = true), 15000);
}

// ---------------------------------------------------------------- panels

const FAILED = ['failure', 'timed_out', 'startup_failure'];

async function loadKillswitch() {
  const ks = await api('/killswitch');
  state.engagements = ks.active;
  const banner = $('killswitch');
  const list = $('ks-list');
  list.replaceChildren();
  if (ks.active.length === 0) {
    banner.dataset.state = 'released';
    $('ks-title').textContent = 'Killswitch released: runs may proceed';
  } else {
    banner.dataset.state = 'engaged';
    const global = ks.active.some((e) => e.scope === null);
    $('ks-title').textContent = global ? 'Killswitch engaged: every workflow is stopped' : `Killswitch engaged: ${ks.active.length === 1 ? 'one workflow' : `${ks.active.length} workflows`} stopped`;
    for (const e of ks.active) {
      list.append(
        el(
          'li',
          { 'data-scope': e.scope ?? '*' },
          el('b', {}, e.scope === null ? 'All workflows' : `Workflow ${e.scope}`),
          ` — ${e.reason} — by ${e.actor}, since ${when(e.since)} (${ago(e.since)})`,
          e.expires_at ? `, expires ${when(e.expires_at)}` : ', until released',
        ),
      );
    }
  }
  updateButtons();
}

async function loadTally() {
  const s = await api('/status');
  state.skewMs = Date.parse(s.generated_at) - Date.now();
  const r = s.runs;
  const c = r.by_conclusion || {};
  const st = r.by_status || {};
  const failed = FAILED.reduce((n, k) => n + (c[k] || 0), 0);
  const active = (st.queued || 0) + (st.in_progress || 0);
  const q = s.retry_queue;
  $('tally-list').replaceChildren(
    stat('Runs', r.total),
    stat('Succeeded', c.success || 0, 'good'),
    stat('Failed', failed, failed ? 'bad' : ''),
    stat('Running or queued', active),
    stat('Other', Math.max(0, r.total - (c.success || 0) - failed - active)),
    stat('Retries due', q ? q.due : '—', q && q.held ? 'bad' : '', q && q.held ? `${q.held} held by the killswitch` : null),
    stat('Open alerts', s.alerts.length, s.alerts.length ? 'bad' : ''),
  );
}

async function loadKpi() {
  const k = await api('/kpi?window=7d');
  const target = (name) => (k.targets || []).find((t) => t.name === name);
  const cls = (name) => {
    const t = target(name);
    return t ? (t.status === 'breach' ? 'bad' : 'good') : '';
  };
  const goal = (name, fmt) => {
    const t = target(name);
    return t ? `target ${t.comparison} ${fmt(t.target)}` : null;
  };
  $('kpi-list').replaceChildren(
    stat('Runs', k.runs),
    stat('Success rate', pct(k.success_rate), cls('success_rate'), goal('success_rate', pct)),
    stat('Duration p95', dur(k.duration_ms.p95), cls('duration_p95_ms'), goal('duration_p95_ms', dur)),
    stat('MTTR', dur(k.mttr_ms), cls('mttr_ms'), goal('mttr_ms', dur)),
    stat('Retry success', pct(k.retries.success_rate), cls('retry_success_rate'), `${k.retries.total} retries`),
    stat('Killswitch engagements', k.killswitch_engagements),
  );
  state.workflows = (k.workflows || []).map((w) => w.workflow);
  drawCharts(k.daily || []);
}

function chartWidth(id) {
  return Math.max(240, $(id).clientWidth || 300);
}

function drawCharts(daily) {
  const x = daily.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
  const runs = [x, daily.map((d) => d.runs), daily.map((d) => d.failures)];
  const rate = [x, daily.map((d) => (d.success_rate === null ? null : Math.round(d.success_rate * 1000) / 10))];
  const common = (id) => ({
    width: chartWidth(id),
    height: 200,
    legend: { show: true },
    cursor: { focus: { prox: 16 } },
    scales: { x: { time: true } },
    axes: [{ stroke: '#4b5563', grid: { stroke: '#e5e7eb' } }, { stroke: '#4b5563', grid: { stroke: '#e5e7eb' } }],
  });
  const make = (id, opts, data) => {
    if (state.charts[id]) state.charts[id].destroy();
    $(id).replaceChildren();
    state.charts[id] = new uPlot(opts, data, $(id));
  };
  make('chart-runs', { ...common('chart-runs'), series: [{}, { label: 'Runs', stroke: '#1d4ed8', width: 2, fill: 'rgba(29,78,216,0.08)' }, { label: 'Failures', stroke: '#b91c1c', width: 2 }] }, runs);
  make('chart-rate', { ...common('chart-rate'), scales: { x: { time: true }, y: { range: [0, 100] } }, series: [{}, { label: 'Success %', stroke: '#15803d', width: 2 }] }, rate);
}

function resizeCharts() {
  for (const [id, chart] of Object.entries(state.charts)) chart.setSize({ width: chartWidth(id), height: 200 });
}

async function loadRuns() {
  const runs = await api('/runs?limit=50');
  const body = $('runs-table').tBodies[0];
  if (runs.length === 0) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'empty' }, 'No runs in the ledger yet (ops runs sync, or GitHub webhooks).')));
    return;
  }
  body.replaceChildren(
    ...runs.map((r) => {
      const result = r.conclusion || r.status;
      // Only web links: a run's URL comes from GitHub's payloads, never trusted as a scheme.
      const id = r.url && /^https?:\/\//i.test(r.url) ? el('a', { href: r.url, rel: 'noopener noreferrer', target: '_blank' }, r.run_id) : r.run_id;
      return el(
        'tr',
        { 'data-run': r.run_id },
        el('td', {}, id, r.attempt > 1 ? ` #${r.attempt}` : ''),
        el('td', {}, r.workflow),
        el('td', {}, r.branch || '—'),
        el('td', {}, el('span', { class: `pill ${result}` }, result.replace('_', ' '))),
        el('td', { title: r.started_at || '' }, when(r.started_at)),
        el('td', {}, dur(r.duration_ms)),
        el('td', {}, r.actor || '—'),
      );
    }),
  );
}

async function loadRetries() {
  const res = await fetch(`${API}/retries?limit=20`, { headers: { authorization: `Bearer ${state.key}` } });
  if (res.status === 401) return signOut('The server did not accept the key: sign in again.');
  if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`);
  const entries = await res.json();
  const total = res.headers.get('x-total-count');
  const waiting = entries.filter((e) => e.state === 'pending' || e.state === 'processing').length;
  $('retries-summary').textContent = `${total ?? entries.length} entries; ${waiting} waiting or running among the latest ${entries.length}`;
  const body = $('retries-table').tBodies[0];
  if (entries.length === 0) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'The retry queue is empty.')));
    return;
  }
  body.replaceChildren(
    ...entries.map((e) =>
      el(
        'tr',
        { 'data-retry': e.id },
        el('td', {}, e.id),
        el('td', {}, e.workflow || '—'),
        el('td', {}, el('span', { class: `pill ${e.state}` }, e.held_by_killswitch ? `${e.state} (held)` : e.state)),
        el('td', {}, `${e.attempt}/${e.max_attempts}`),
        el('td', { title: e.next_attempt_at || '' }, e.state === 'pending' ? when(e.next_attempt_at) : '—'),
        el('td', { class: 'why-cell' }, e.last_error || e.reason || ''),
      ),
    ),
  );
}

async function loadAlerts() {
  const alerts = await api('/alerts');
  const list = $('alerts-list');
  if (alerts.length === 0) {
    list.replaceChildren(el('li', { class: 'empty' }, 'No open alerts.'));
    return;
  }
  list.replaceChildren(
    ...alerts.map((a) =>
      el('li', { 'data-alert': a.id }, el('span', { class: `pill ${a.severity}` }, a.severity), ' ', a.summary, el('div', { class: 'meta' }, `${a.rule} · opened ${when(a.opened_at)} · ${a.action_result || a.action || ''}`)),
    ),
  );
}

const PANELS = { killswitch: loadKillswitch, tally: loadTally, kpi: loadKpi, runs: loadRuns, retries: loadRetries, alerts: loadAlerts };

/** Refetches these panels (each on its own: one failing does not blank the others). */
async function refresh(names) {
  await Promise.all(
    names.map(async (name) => {
      try {
        await PANELS[name]();
        panelError(name, null);
      } catch (err) {
        if (err.status !== 401) panelError(name, err);
      }
    }),
  );
}

// ---------------------------------------------------------------- live

/** Which panels an event type changes. */
function panelsFor(type) {
  if (type.startsWith('killswitch.')) return ['killswitch', 'tally', 'retries'];
  if (type.startsWith('run')) return ['runs', 'tally', 'kpi', 'retries'];
  if (type.startsWith('retry.')) return ['retries', 'tally', 'kpi'];
  if (type.startsWith('alert.')) return ['alerts', 'tally'];
  if (type.startsWith('rollback.')) return ['alerts', 'runs'];
  return ['tally'];
}

// EventSource delivers a named event only to listeners of that name: every type the log writes.
const EVENT_TYPES = [
  'killswitch.engage', 'killswitch.release', 'killswitch.expire',
  'runs.import', 'runs.sync', 'run.failed',
  'retry.enqueue', 'retry.attempt', 'retry.cancel', 'retry.failed', 'retry.held', 'retry.recovered', 'retry.lease_expired', 'retry.replay.request',
  'alert.open', 'alert.resolve', 'alert.action',
  'rollback.start', 'rollback.complete', 'rollback.failed', 'rollback.compensated',
  'snapshot.create', 'evidence.collect', 'demo.generate', 'message',
];

let pending = new Set();
let flushTimer = null;
let lastFlush = 0;
function onEvent(ev) {
  if (ev.lastEventId) state.lastEventId = ev.lastEventId;
  for (const p of panelsFor(ev.type)) pending.add(p);
  // A burst (an import of many runs, a webhook storm) becomes one refetch per panel, at most
  // one round a second: the key's rate limit (600 a minute by default) is shared with every
  // tab and script using it.
  if (!flushTimer) {
    const wait = Math.max(100, 1000 - (Date.now() - lastFlush));
    flushTimer = setTimeout(() => {
      const names = [...pending];
      pending = new Set();
      flushTimer = null;
      lastFlush = Date.now();
      void refresh(names);
    }, wait);
  }
}

function setConn(s, text) {
  const c = $('conn');
  c.dataset.state = s;
  c.textContent = text || s;
}

/**
 * The event stream. EventSource cannot send headers, so the key goes as ?access_token=.
 * On a dropped connection the browser reconnects by itself with Last-Event-ID; when the
 * server refused or went away for good, we reconnect from the last seq we saw (?since=),
 * and refetch everything once in case events were missed before it.
 */
function connect() {
  if (state.source) state.source.close();
  clearTimeout(state.retryTimer);
  const q = new URLSearchParams({ access_token: state.key });
  if (state.lastEventId) q.set('since', state.lastEventId);
  const es = new EventSource(`${API}/events?${q}`);
  state.source = es;
  let opened = false;
  es.addEventListener('open', () => {
    setConn('live');
    if (opened) void refresh(Object.keys(PANELS));
    opened = true;
  });
  for (const t of EVENT_TYPES) es.addEventListener(t, onEvent);
  es.addEventListener('error', () => {
    if (state.source !== es) return;
    if (es.readyState === EventSource.CLOSED) {
      setConn('offline', 'offline: retrying');
      state.retryTimer = setTimeout(async () => {
        try {
          await whoami(); // a revoked key signs out instead of retrying forever
          connect();
          void refresh(Object.keys(PANELS));
        } catch {
          if (state.key) state.retryTimer = setTimeout(connect, 5000);
        }
      }, 3000);
    } else setConn('reconnecting');
  });
}

// ---------------------------------------------------------------- session

async function whoami() {
  state.who = await api('/whoami');
  $('who').textContent = `${state.who.name} (${state.who.role})`;
  $('signout').hidden = false;
  updateButtons();
}

function signOut(why) {
  sessionStorage.removeItem(KEY_SLOT);
  state.key = null;
  state.who = null;
  state.source?.close();
  state.source = null;
  setConn('offline');
  $('who').textContent = '';
  $('signout').hidden = true;
  updateButtons();
  askKey(why);
}

function askKey(why) {
  const err = $('login-error');
  err.hidden = !why;
  err.textContent = why || '';
  if (!$('login').open) $('login').showModal();
  $('login-key').focus();
}

async function start() {
  try {
    await whoami();
  } catch (err) {
    if (err.status !== 401) askKey(`Could not reach the server: ${err.message}`);
    return;
  }
  connect();
  await refreshAll();
}

/** Every panel; the tally first, as it brings the server's clock. */
async function refreshAll() {
  await refresh(['tally']);
  await refresh(Object.keys(PANELS).filter((p) => p !== 'tally'));
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = $('login-key').value.trim();
  if (!key) return askKey('Paste an API key.');
  state.key = key;
  try {
    await whoami();
  } catch (err) {
    if (err.status !== 401) askKey(`Could not sign in: ${err.message}`);
    return;
  }
  sessionStorage.setItem(KEY_SLOT, key);
  $('login-key').value = '';
  $('login').close();
  connect();
  await refreshAll();
});
// The page is useless without a key: Esc does not dismiss the sign-in.
$('login').addEventListener('cancel', (e) => e.preventDefault());
$('signout').addEventListener('click', () => signOut(null));

// ---------------------------------------------------------------- the killswitch from the page

function updateButtons() {
  const can = Boolean(state.who && state.who.can_act);
  const engage = $('engage');
  const release = $('release');
  engage.disabled = !can;
  release.disabled = !can || state.engagements.length === 0;
  let why = '';
  if (!state.who) why = 'Sign in to act.';
  else if (!can) why = `Key ${state.who.name} is a ${state.who.role}: engaging and releasing need an operator key.`;
  else if (state.engagements.length === 0) why = 'Nothing to release.';
  const p = $('ks-why');
  p.textContent = why;
  engage.title = release.title = why;
  engage.setAttribute('aria-describedby', 'ks-why');
  release.setAttribute('aria-describedby', 'ks-why');
}

let acting = null; // 'engage' | 'release' while the dialog is open
let lastFocus = null;

function openConfirm(action) {
  if (!state.who || !state.who.can_act) {
    notice($('ks-why').textContent || 'Your key may not act.');
    return;
  }
  if (action === 'release' && state.engagements.length === 0) {
    notice('The killswitch is not engaged: nothing to release.');
    return;
  }
  acting = action;
  lastFocus = document.activeElement;
  const word = action === 'engage' ? 'ENGAGE' : 'RELEASE';
  $('confirm-h').textContent = action === 'engage' ? 'Engage the killswitch' : 'Release the killswitch';
  $('confirm-lead').textContent =
    action === 'engage'
      ? 'Stops the runs in scope: ops guard fails them (exit 3) until someone releases it. Recorded in the audit log under your key.'
      : 'Lets the runs in scope proceed again. Recorded in the audit log under your key.';
  const scope = $('confirm-scope');
  const options =
    action === 'engage'
      ? [['*', 'All workflows'], ...state.workflows.map((w) => [w, w])]
      : state.engagements.map((e) => [e.scope ?? '*', e.scope === null ? 'All workflows' : e.scope]);
  scope.replaceChildren(...options.map(([v, label]) => el('option', { value: v }, label)));
  $('confirm-expiry-row').hidden = action !== 'engage';
  $('confirm-expires').value = '';
  $('confirm-reason').value = '';
  $('confirm-word').value = '';
  $('confirm-word-label').textContent = `Type ${word} to confirm`;
  $('confirm-word').placeholder = word;
  $('confirm-go').textContent = action === 'engage' ? 'Engage' : 'Release';
  $('confirm-go').className = action === 'engage' ? 'danger' : 'primary';
  $('confirm-error').hidden = true;
  $('confirm').showModal();
  (options.length > 1 ? scope : $('confirm-reason')).focus();
}

function closeConfirm() {
  $('confirm').close();
}
$('confirm').addEventListener('close', () => {
  acting = null;
  lastFocus?.focus?.();
});

function confirmError(text) {
  const p = $('confirm-error');
  p.textContent = text;
  p.hidden = false;
}

$('confirm-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!acting) return;
  const word = acting === 'engage' ? 'ENGAGE' : 'RELEASE';
  const reason = $('confirm-reason').value.trim();
  if (!reason) {
    $('confirm-reason').focus();
    return confirmError('Say why: the reason is recorded in the audit log and shown by ops guard.');
  }
  if ($('confirm-word').value !== word) {
    $('confirm-word').value = '';
    $('confirm-word').focus();
    return confirmError(`Type ${word} (capitals) to go ahead, or Esc to cancel.`);
  }
  const scope = $('confirm-scope').value;
  const body = { reason };
  if (scope && scope !== '*') body.scope = scope;
  const expires = $('confirm-expires').value.trim();
  if (acting === 'engage' && expires) body.expires = expires;
  const go = $('confirm-go');
  go.disabled = true;
  try {
    // One key per confirmed request: a double submit or a retried request acts once.
    const out = await api(acting === 'engage' ? '/killswitch' : '/killswitch/release', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify(body),
    });
    const done = acting;
    closeConfirm();
    notice(`${done === 'engage' ? 'Engaged' : 'Released'}${body.scope ? ` for ${body.scope}` : ' for all workflows'} (audit #${out.audit_seq ?? '—'}, ${out.action}).`);
    await refresh(['killswitch', 'tally']);
  } catch (err) {
    if (err.status !== 401) confirmError(`${err.status ? `${err.status}: ` : ''}${err.message}`);
  } finally {
    go.disabled = false;
  }
});
$('confirm-cancel').addEventListener('click', closeConfirm);
// An error said about the previous try goes once the user types again.
$('confirm-form').addEventListener('input', () => ($('confirm-error').hidden = true));
$('engage').addEventListener('click', () => openConfirm('engage'));
$('release').addEventListener('click', () => openConfirm('release'));

// ---------------------------------------------------------------- keyboard

const SECTIONS = ['killswitch', 'tally', 'alerts', 'kpi', 'runs', 'retries'];
$('help-open').addEventListener('click', () => $('help').showModal());
$('help-close').addEventListener('click', () => $('help').close());

document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (document.querySelector('dialog[open]')) return; // typing in a dialog
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
  if (e.key === 'K') openConfirm('engage');
  else if (e.key === 'X') openConfirm('release');
  else if (e.key === 'R') void refresh(Object.keys(PANELS));
  else if (e.key === '?') $('help').showModal();
  else if (/^[0-5]$/.test(e.key)) {
    const s = $(SECTIONS[Number(e.key)]);
    s.focus();
    s.scrollIntoView({ block: 'nearest' });
  } else return;
  e.preventDefault();
});

let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(resizeCharts, 150);
});
// The "since … ago" texts age, and an engagement can lapse unswept: the banner is re-read each minute.
setInterval(() => {
  if (state.key) void refresh(['killswitch']);
}, 60000);

updateButtons();
if (state.key) void start();
else askKey(null);
