import { errorText } from '../src/cli/errors';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Run } from '../src/runs/types';
import { RunDetailsView } from './RunDetailsView';
import { AlertDetailsView } from './AlertDetailsView';
import { Pager, pagerTop, wrapLines, type PagerLine } from './Pager';
import { retryDetailLines } from './RetryDetailsView';
import { ticketLines } from './TicketView';
import { attempt } from './hooks/useRuns';
import { Box, Text, useApp, useInput } from 'ink';
import { fitColumns, runColumns } from './columns';
import { Footer } from './Footer';
import { Header } from './Header';
import { watchLine } from '../src/watch/state';
import { bannerLines, bannerSummary, KillswitchBanner } from './KillswitchBanner';
import { DataTable, MARKER_WIDTH, RunsTable } from './RunsTable';
import { alertColumns, kpiWorkflowColumns, retryColumns, ticketColumns } from './panel-columns';
import { panelLabel, panels, useAlertRows, useRetryRows, useTicketRows, type Panel } from './hooks/usePanelRows';
import { KpiPanel, kpiSummaryLines } from './KpiPanel';
import { useKpis } from './hooks/useKpis';
import { parseFilter, printable } from './filter';
import type { MatchCount } from './source';
import type { ConsoleSource } from './source';
import type { ConsoleActions } from './actions';
import { actionFor, keymap, keystrokes, type KeyInfo } from './keymap';
import { HelpList, PromptBox, PromptLine, promptKey, startPrompt, type PromptState } from './Prompt';
import { accent, alarm } from './theme';
import { useKillswitch } from './hooks/useKillswitch';
import { useRetryQueue } from './hooks/useRetryQueue';
import { RetryQueueLine } from './RetryQueueLine';
import { useNow } from './hooks/useNow';
import { useDataVersion, useRuns } from './hooks/useRuns';
import { useTerminalSize, type TerminalSize } from './hooks/useTerminalSize';

export interface AppProps {
  source: ConsoleSource;
  /** Shown in the header: which workspace's ledger this is. */
  workspace: string;
  /** "Now" for ages and the 24 h counts; OPS_NOW-pinned in tests and reproducible sessions. */
  clock: () => number;
  /** Colours allowed (a TTY without NO_COLOR); off means no escape codes at all. */
  color: boolean;
  /** How often to check the ledger for changes made by other processes. */
  pollMs?: number;
  /** A fixed size instead of the terminal's (tests; the testing library's stdout has no rows). */
  size?: TerminalSize;
  /** What K and X do; without it the console is read-only and says so. */
  actions?: ConsoleActions;
  /** Messages from work done in the background (notification delivery), shown in the status line. */
  notices?: { subscribe(listener: (text: string) => void): () => void };
  /** Problems of the workspace's config files, as found (after the first frame) and whenever they change: shown in the header. */
  configProblems?: { subscribe(listener: (problems: readonly string[]) => void): () => void };
}

/** Header, retry queue line, column headings, footer: the rows of the screen that are not runs (besides the killswitch banner). */
const CHROME = 4;
const noWorkflows: never[] = [];
const MIN_COLUMNS = 30;
const MIN_HEIGHT = CHROME + 1;

/**
 * Rows the killswitch banner may take: all but one run row on a short screen (the banner
 * matters more than the runs), about half the rest on a tall one, and at least three (a
 * line between its two rules without colour).
 */
const bannerRoom = (height: number) => Math.max(1, Math.min(height - CHROME - 1, Math.max(3, Math.ceil((height - CHROME) / 2))));

/** The first visible row, moved just enough to keep the cursor on screen. */
const windowTop = (top: number, cursor: number, rows: number) => Math.max(0, Math.min(top, cursor), cursor - rows + 1);

/** A retry entry or an audit ticket opened with Enter: shown as a page of text that scrolls. */
type Opened = { kind: 'retry'; id: number } | { kind: 'ticket'; ticket: string };

/** The `/` prompt: what is typed so far, and the filter to go back to on Esc. */
interface FilterEdit {
  text: string;
  before: string | null;
}

/** Matches are counted up to this, and further in steps of it as the cursor goes down. */
const MATCH_COUNT_STEP = 1000;

/** "12 match", "1,000+ match in the latest 100,000 runs"; "all runs" while nothing filters yet (`w:`). */
const matchText = (m: MatchCount | null, active: boolean) =>
  !active ? 'all runs' : m === null ? '? match' : `${m.count.toLocaleString('en-US')}${m.more ? '+' : ''} match${m.searched !== null ? ` in the latest ${m.searched.toLocaleString('en-US')} runs` : ''}`;

/** The runs panel's title while a filter is on: what it is and how many runs match. */
function FilterTitle({ text, editing, active, matches, width, color }: { text: string; editing: boolean; active: boolean; matches: MatchCount | null; width: number; color: boolean }) {
  return (
    <Box width={width}>
      <Text wrap="truncate-end" {...accent(color)}>
        filter: {text || '(none)'}  {matchText(matches, active)}{editing ? '' : '  (/ edit, Esc clear)'}
      </Text>
    </Box>
  );
}

export function App({ source, workspace, clock, color, pollMs = 500, size, actions, notices, configProblems }: AppProps) {
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  // One row short of the terminal: once the output reaches the last row Ink clears and
  // repaints the whole screen on every frame instead of updating it in place.
  const height = Math.max(1, rows - 1);

  const { exit } = useApp();
  const now = useNow(clock);
  // First: the version is sampled before the queries below run.
  const data = useDataVersion(source, pollMs, clock);
  const [detailsOf, setDetailsOf] = useState<Run | null>(null);
  const details = useMemo(() => (detailsOf ? attempt(() => source.runDetails(detailsOf.run_id)) : null), [source, detailsOf, data.version]);
  const killswitch = useKillswitch(source, data.version, now);
  const retry = useRetryQueue(source, data.version, now);
  const engaged = killswitch.engagements;
  const banner = useMemo(() => bannerLines(engaged, now, color, bannerRoom(height), columns), [engaged, now, color, height, columns]);
  // The banner's rows come out of the table's, so the whole still fits the terminal.
  const tableRows = Math.max(1, height - CHROME - banner.length);
  const minHeight = MIN_HEIGHT + (engaged.length > 0 ? 1 : 0);

  const [panel, setPanel] = useState<Panel>('runs');
  const [navs, setNavs] = useState<Record<Panel, { cursor: number; top: number }>>({
    runs: { cursor: 0, top: 0 },
    retries: { cursor: 0, top: 0 },
    kpis: { cursor: 0, top: 0 },
    alerts: { cursor: 0, top: 0 },
    tickets: { cursor: 0, top: 0 },
  });

  // The runs filter: the one kept (Enter), and the one being typed (live: it applies as typed).
  const [filter, setFilterState] = useState<string | null>(null);
  const [filterEdit, setFilterEditState] = useState<FilterEdit | null>(null);
  const filterText = filterEdit ? filterEdit.text : filter;
  const query = useMemo(() => parseFilter(filterText ?? ''), [filterText]);
  const filtering = filterEdit !== null || query !== null;

  // Rows each panel's list has: the runs give one to the filter's title, the KPI panel
  // those its figures take.
  const runsRows = Math.max(1, tableRows - (filtering ? 1 : 0));
  const kpiRows = Math.max(1, tableRows - kpiSummaryLines(tableRows + 1));
  const listRows = panel === 'runs' ? runsRows : panel === 'kpis' ? kpiRows : tableRows;

  const nav = navs[panel];
  const top = windowTop(nav.top, nav.cursor, listRows);
  const runsTop = panel === 'runs' ? top : windowTop(navs.runs.top, navs.runs.cursor, runsRows);
  const countCap = Math.max(MATCH_COUNT_STEP, Math.ceil((navs.runs.cursor + 2 * runsRows + 1) / MATCH_COUNT_STEP) * MATCH_COUNT_STEP);
  const runsView = useRuns(source, data.version, runsTop, runsRows, now, query, countCap);
  const { runs, counts } = runsView;
  const retryRows = useRetryRows(source, panel === 'retries', data.version, top, tableRows);
  const kpis = useKpis(source, panel === 'kpis', data.version, now);
  const workflows = kpis.value?.kpis.workflows ?? noWorkflows;
  const ticketRows = useTicketRows(source, panel === 'tickets', data.version);
  const alertRows = useAlertRows(source, data.version);
  // "alive 3 s ago" ages with the clock: read again each second (two one-row tables and a count).
  const watchText = useMemo(() => {
    const read = attempt(() => source.watch?.(now) ?? null);
    return read.ok && read.value ? watchLine(read.value, now) : null;
  }, [source, data.version, now]);
  // By id: the alert shown in full follows what detection writes (resolved, new figures).
  const [alertShownId, setAlertShownId] = useState<number | null>(null);
  const alertShown = alertShownId === null ? null : (alertRows.rows.find((a) => a.id === alertShownId) ?? null);
  // The retry entry or ticket opened (Enter), by id: it follows what other processes write
  // (a replay, a release rewriting the ticket), and is wrapped to the width before it scrolls.
  const [opened, setOpened] = useState<Opened | null>(null);
  const [pageTop, setPageTop] = useState(0);
  const retryOpened = useMemo(() => (opened?.kind === 'retry' ? attempt(() => source.retryDetails(opened.id)) : null), [source, opened, data.version]);
  const pageLines = useMemo((): PagerLine[] | null => {
    if (opened?.kind === 'retry') {
      if (!retryOpened?.ok) return null;
      return retryOpened.value ? wrapLines(retryDetailLines(retryOpened.value, now), columns) : [{ text: `retry #${opened.id} is no longer in the queue`, tone: 'muted' }];
    }
    if (opened?.kind === 'ticket') {
      const t = ticketRows.rows.find((r) => r.ticket === opened.ticket);
      return t ? wrapLines(ticketLines(t, columns), columns) : [{ text: `${opened.ticket} is no longer in the ledger`, tone: 'muted' }];
    }
    return null;
  }, [opened, retryOpened, ticketRows.rows, now, columns]);
  const pageRows = tableRows + 1;
  const pageFrom = pageLines ? pagerTop(pageTop, pageLines.length, pageRows) : 0;
  // Not counted (the count failed; the footer says why): as far as the runs on screen go.
  const runsTotal = runsView.total ?? runsTop + runs.length;
  const total = panel === 'runs' ? runsTotal : panel === 'retries' ? retryRows.total : panel === 'kpis' ? workflows.length : panel === 'alerts' ? alertRows.total : ticketRows.total;
  const error =
    (details && !details.ok ? details.error : null) ??
    (retryOpened && !retryOpened.ok ? retryOpened.error : null) ??
    runsView.error ??
    killswitch.error ??
    retry.error ??
    retryRows.error ??
    (panel === 'kpis' && kpis.value ? kpis.error : null) ??
    ticketRows.error ??
    alertRows.error ??
    data.error;
  const cursor = Math.min(nav.cursor, Math.max(0, total - 1));
  const setNav = (update: (prev: { cursor: number; top: number }) => { cursor: number; top: number }) =>
    setNavs((all) => ({ ...all, [panel]: update(all[panel]) }));

  const tableWidth = columns - MARKER_WIDTH;
  const fitted = useMemo(() => fitColumns(runColumns, runs, now, tableWidth), [runs, now, tableWidth]);
  const visibleTickets = ticketRows.rows.slice(top, top + tableRows);
  const visibleWorkflows = useMemo(() => workflows.slice(top, top + kpiRows), [workflows, top, kpiRows]);
  const fittedRetries = useMemo(() => fitColumns(retryColumns, retryRows.rows, now, tableWidth), [retryRows.rows, now, tableWidth]);
  const visibleAlerts = useMemo(() => alertRows.rows.slice(top, top + tableRows), [alertRows.rows, top, tableRows]);
  const fittedAlerts = useMemo(() => fitColumns(alertColumns, visibleAlerts, now, tableWidth), [visibleAlerts, now, tableWidth]);
  const fittedTickets = useMemo(() => fitColumns(ticketColumns, visibleTickets, now, tableWidth), [visibleTickets, now, tableWidth]);
  const fittedWorkflows = useMemo(() => fitColumns(kpiWorkflowColumns, visibleWorkflows, now, tableWidth), [visibleWorkflows, now, tableWidth]);

  const [prompt, setPromptState] = useState<PromptState | null>(null);
  const [help, setHelpState] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  useEffect(() => notices?.subscribe(setStatus), [notices]);
  const [badConfig, setBadConfig] = useState<readonly string[]>([]);
  useEffect(() => configProblems?.subscribe(setBadConfig), [configProblems]);
  // The input handler reads these refs, not the render's state: Ink re-subscribes the
  // handler after the frame is painted, and keys typed right after K (or a paste) would
  // otherwise reach the previous handler and be lost.
  const promptRef = useRef<PromptState | null>(null);
  const helpRef = useRef(false);
  const filterRef = useRef<FilterEdit | null>(null);
  const setFilterEdit = (f: FilterEdit | null) => {
    filterRef.current = f;
    setFilterEditState(f);
  };
  /** A new filter starts from the top of its matches. */
  const toTop = () => setNavs((all) => ({ ...all, runs: { cursor: 0, top: 0 } }));
  const setFilter = (f: string | null) => {
    setFilterState(f);
    toTop();
  };
  const setPrompt = (p: PromptState | null) => {
    promptRef.current = p;
    setPromptState(p);
  };
  const setHelp = (h: boolean) => {
    helpRef.current = h;
    setHelpState(h);
  };

  const promptInput = (p: PromptState, input: string, key: Parameters<typeof promptKey>[2]) => {
    const r = promptKey(p, input, key);
    if ('next' in r) {
      setPrompt(r.next);
      return;
    }
    setPrompt(null);
    if ('cancel' in r) setStatus(r.cancel);
    else {
      const { scope, reason, expiresInMs } = r.act;
      try {
        const line = p.action === 'engage' ? actions!.engageKillswitch(reason, { scope, expiresInMs }) : actions!.releaseKillswitch(reason, { scope });
        if (typeof line === 'string') setStatus(line);
        else {
          // A server (ops-console --server) answers later.
          setStatus(p.action === 'engage' ? 'engaging…' : 'releasing…');
          line.then(setStatus, (err: unknown) => setStatus(`failed: ${errorText(err)}`)).finally(data.bump);
        }
      } catch (err) {
        setStatus(`failed: ${errorText(err)}`);
      }
      data.bump(); // our own commit does not move data_version: re-read now
    }
  };

  const filterInput = (f: FilterEdit, input: string, key: { return?: boolean; escape?: boolean; backspace?: boolean; delete?: boolean }) => {
    if (key.escape || key.return) {
      // Esc cancels: back to the filter there was before `/`. Enter keeps what is typed.
      setFilterEdit(null);
      setFilter(key.escape ? f.before : f.text.trim() || null);
      return;
    }
    const text = key.backspace || key.delete ? f.text.slice(0, -1) : f.text + printable(input);
    if (text === f.text) return;
    setFilterEdit({ ...f, text });
    toTop();
  };

  // Through a ref set at each render: Ink re-subscribes a new handler only after the frame
  // is painted, so a key pressed as soon as a panel shows (Tab, then Enter at once) would
  // otherwise be handled by the previous render's closure, on the previous panel.
  const onKeyRef = useRef(onKey);
  onKeyRef.current = onKey;
  useInput((chunk, chunkKey) => {
    for (const [input, key] of keystrokes(chunk, chunkKey)) onKeyRef.current(input, key);
  });

  function onKey(input: string, key: KeyInfo) {
    // Typing a filter: every key is text (q, j, K…) but Enter, Esc and Backspace.
    const f = filterRef.current;
    if (f) {
      filterInput(f, input, key);
      return;
    }
    const p = promptRef.current;
    if (p) {
      promptInput(p, input, key);
      return;
    }
    if (helpRef.current) {
      setHelp(false);
      return;
    }
    setStatus(null);
    const action = actionFor(input, key);
    if (opened && pageLines) {
      // A page of text: the movement keys scroll it; Esc or q goes back to the list (like a pager).
      const last = Math.max(0, pageLines.length - pageRows);
      const to: ((from: number) => number) | null =
        action === 'down' ? (f) => f + 1
        : action === 'up' ? (f) => f - 1
        : action === 'pageDown' ? (f) => f + pageRows - 1
        : action === 'pageUp' ? (f) => f - (pageRows - 1)
        : action === 'first' ? () => 0
        : action === 'last' ? () => last
        : null;
      if (to !== null) {
        // From the previous state, as the cursor moves: every press of a held-down key counts.
        setPageTop((prev) => Math.max(0, Math.min(to(Math.min(prev, last)), last)));
        return;
      }
      if (action === 'back' || action === 'quit' || action === 'details') {
        if (!(action === 'quit' && key.ctrl)) {
          if (action !== 'details') setOpened(null);
          return;
        }
      }
    }
    if (action === 'quit' && !key.ctrl && (detailsOf || alertShownId !== null)) {
      // q leaves a details view, as in the retry entry and ticket pages; q again quits.
      setDetailsOf(null);
      setAlertShownId(null);
      return;
    }
    if (action === 'quit') {
      exit();
      return;
    }
    if (action === 'help') {
      setHelp(true);
      return;
    }
    if (action === 'nextPanel' || action === 'prevPanel') {
      setAlertShownId(null);
      setOpened(null);
      setPanel((p) => panels[(panels.indexOf(p) + (action === 'nextPanel' ? 1 : panels.length - 1)) % panels.length]!);
      return;
    }
    if (action === 'details') {
      const run = panel === 'runs' ? runs[cursor - top] : undefined;
      if (run) setDetailsOf(run);
      const alert = panel === 'alerts' ? alertRows.rows[cursor] : undefined;
      if (alert) setAlertShownId(alert.id);
      const entry = panel === 'retries' ? retryRows.rows[cursor - top] : undefined;
      const ticket = panel === 'tickets' ? ticketRows.rows[cursor] : undefined;
      if (entry || ticket) {
        setOpened(entry ? { kind: 'retry', id: entry.id } : { kind: 'ticket', ticket: ticket!.ticket });
        setPageTop(0);
      }
      return;
    }
    if (action === 'back') {
      if (opened) setOpened(null); // one that could not be read (the footer says why)
      else if (detailsOf) setDetailsOf(null);
      else if (alertShownId !== null) setAlertShownId(null);
      else if (panel === 'runs' && filter !== null) setFilter(null);
      return;
    }
    if (action === 'filter') {
      // From any panel: the filter is the runs'.
      setDetailsOf(null);
      setAlertShownId(null);
      setOpened(null);
      setPanel('runs');
      setFilterEdit({ text: filter ?? '', before: filter });
      return;
    }
    if (detailsOf || alertShownId !== null || opened) return; // the details views have no cursor
    if (action === 'replay') {
      const entry = panel === 'retries' ? retryRows.rows[cursor - top] : undefined;
      if (!entry) setStatus(panel === 'retries' ? 'no retry selected' : 'r replays a retry: Tab to the retry queue first');
      else if (!actions) setStatus('read-only console: use ops retry replay in a shell');
      else {
        setStatus(`replaying #${entry.id} (run ${entry.run_id})…`);
        actions
          .replayRetry(entry.id)
          .then(setStatus, (err: unknown) => setStatus(`replay #${entry.id} failed: ${errorText(err)}`))
          .finally(data.bump);
      }
      return;
    }
    if (action === 'engage' || action === 'release') {
      if (!actions) {
        setStatus('read-only console: use ops killswitch in a shell');
        return;
      }
      // Read now, not per frame: the workflows K can stop, and what X can release as shown.
      const workflows = action === 'engage' ? attempt(() => source.knownWorkflows()) : null;
      if (workflows && !workflows.ok) setStatus(`known workflows not read (${workflows.error}): all workflows can still be stopped`);
      const start = startPrompt(action, workflows?.ok ? workflows.value : [], engaged.map((e) => e.scope));
      if ('cancel' in start) setStatus(start.cancel);
      else setPrompt(start.next);
      return;
    }
    const to: ((cursor: number) => number) | null =
      action === 'down' ? (c) => c + 1
      : action === 'up' ? (c) => c - 1
      : action === 'pageDown' ? (c) => c + listRows
      : action === 'pageUp' ? (c) => c - listRows
      : action === 'first' ? () => 0
      : action === 'last' ? () => total - 1
      : null;
    if (to === null) return;
    // From the previous state, not this render's: a held-down key delivers presses faster
    // than frames are drawn, and each must count.
    setNav((prev) => {
      const cursor = Math.max(0, Math.min(to(prev.cursor), total - 1));
      return { cursor, top: windowTop(windowTop(prev.top, prev.cursor, listRows), cursor, listRows) };
    });
  }

  if (columns < MIN_COLUMNS || height < minHeight) {
    const tooSmall = `too small: ${columns}x${rows}, needs ${MIN_COLUMNS}x${minHeight + 1}`;
    // Even then, an engaged killswitch is the one thing said first.
    return engaged.length > 0 ? (
      <Text wrap="truncate-end" {...alarm(color)}>
        {bannerSummary(engaged, color)} | {tooSmall}
      </Text>
    ) : (
      <Text wrap="truncate-end">{tooSmall}</Text>
    );
  }
  return (
    <Box flexDirection="column" width={columns} height={height}>
      <KillswitchBanner lines={banner} width={columns} color={color} />
      <Header workspace={workspace} counts={counts} alerts={alertRows.rows} configProblems={badConfig} watch={watchText} width={columns} color={color} />
      <RetryQueueLine queue={retry.queue} rollback={retry.rollback} now={now} width={columns} color={color} />
      {prompt ? (
        // In place of the panel: a long reason wraps in here, the input line stays on the last row.
        <PromptBox prompt={prompt} rows={tableRows + 1} width={columns} now={now} color={color} />
      ) : pageLines && !help ? (
        <Pager lines={pageLines} top={pageFrom} rows={pageRows} width={columns} color={color} />
      ) : detailsOf && details?.ok && !help ? (
        <RunDetailsView run={detailsOf} details={details.value} rows={tableRows + 1} width={columns} color={color} />
      ) : alertShown && panel === 'alerts' && !help ? (
        <AlertDetailsView alert={alertShown} now={now} rows={tableRows + 1} width={columns} color={color} />
      ) : help ? (
        <Box height={tableRows + 1} overflow="hidden">
          <HelpList rows={keymap.map((k) => ({ label: k.label, help: k.help }))} width={columns} color={color} />
        </Box>
      ) : panel === 'runs' ? (
        <Box flexDirection="column" width={columns} height={tableRows + 1} overflow="hidden">
          {filtering ? <FilterTitle text={filterText ?? ''} editing={filterEdit !== null} active={query !== null} matches={runsView.matches} width={columns} color={color} /> : null}
          <RunsTable runs={runs} columns={fitted} selected={total === 0 ? -1 : cursor - top} empty={filtering ? 'no runs match the filter' : undefined} now={now} width={columns} color={color} />
        </Box>
      ) : panel === 'retries' ? (
        <DataTable rows={retryRows.rows} rowKey={(e) => String(e.id)} columns={fittedRetries} selected={total === 0 ? -1 : cursor - top} empty="the retry queue is empty" now={now} width={columns} color={color} />
      ) : panel === 'alerts' ? (
        <DataTable rows={visibleAlerts} rowKey={(a) => String(a.id)} columns={fittedAlerts} selected={total === 0 ? -1 : cursor - top} empty="no alerts: detection has found nothing (ops detect)" now={now} width={columns} color={color} />
      ) : panel === 'kpis' ? (
        <KpiPanel view={kpis} rows={tableRows + 1} workflows={visibleWorkflows} columns={fittedWorkflows} selected={total === 0 ? -1 : cursor - top} now={now} width={columns} color={color} />
      ) : (
        <DataTable rows={visibleTickets} rowKey={(t) => t.ticket} columns={fittedTickets} selected={total === 0 ? -1 : cursor - top} empty="no audit tickets: no incidents yet" now={now} width={columns} color={color} />
      )}
      {filterEdit ? (
        <Box width={columns}>
          <Text wrap="truncate-start">/ filter&gt; {filterEdit.text}_  (Enter: keep, Esc: cancel)</Text>
        </Box>
      ) : prompt ? (
        <PromptLine prompt={prompt} width={columns} color={color} />
      ) : (
        <Footer
          label={opened && pageLines ? (opened.kind === 'retry' ? `Retry #${opened.id} line` : 'Ticket line') : panel === 'runs' ? (query ? 'Matches' : undefined) : panelLabel[panel]}
          position={opened && pageLines ? pageFrom : total === 0 ? -1 : cursor}
          total={opened && pageLines ? pageLines.length : panel === 'runs' ? runsView.total : total}
          totalText={!opened && panel === 'runs' && runsView.matches?.more ? `${runsView.matches.count}+` : undefined}
          error={error}
          status={status ?? (opened && pageLines ? 'j/k PgUp/PgDn g/G scroll  Esc/q back  Tab panels  ? help' : null)}
          width={columns}
          color={color}
        />
      )}
    </Box>
  );
}
