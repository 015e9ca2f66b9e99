/**
 * The pure scanner: a Latin-1 text (one char per byte) in, the spans to mask out.
 *
 * Speed comes from a keyword pre-filter (the gitleaks idea): one pass of a keyword automaton
 * over the bytes finds every keyword; a rule's regex then runs only on the lines (windows of
 * at most ±4 KiB) where one of its keywords occurs, or (anchored rules) at the keyword itself.
 * Env-secret values are keyword hits too, and their percent-encoded forms are found by
 * decoding the text around each `%XX`.
 *
 * The work is split into small functions, each with one shape of data (V8 optimizes a small
 * monomorphic function quickly and keeps it; one big function mixing every step was compiled
 * and thrown away several times per run).
 */
import { builtinRules, nameForKey, type RuleDef, type RuleKind } from './rules';
import { entropy, judgeValue, keyIsSecret, placeholderToken, type Verdict } from './judge';
import { envSecrets, envSecretValues } from './env-secrets';
import { maskStyle, type MaskStyle } from './mask';

export interface CompiledRule {
  /** Index in `RuleSet.rules`: per-scan lists are arrays by this id. */
  id: number;
  name: string;
  /** null for a literal (env-secret) rule. Without the `d` flag: indices cost, and most matches are rejected. */
  re: RegExp | null;
  /** The same pattern with the `d` flag: where the secret group is, asked only for a match that is kept. */
  reD: RegExp | null;
  /** A literal (env-secret) rule's text, as bytes: its keyword is the first bytes only, lower-cased. */
  literal: Buffer | null;
  block: boolean;
  /** Block rules: bytes the window reaches past the keyword. */
  reach: number;
  valueChecks: boolean;
  keyChecks: boolean;
  uuidOk: boolean;
  nameByKey: boolean;
  secretGroup: boolean;
  kind: RuleKind | 'env' | 'custom';
  source: string;
  keywords: string[];
  /** Tried at each keyword hit (sticky), not along the window. */
  anchored: boolean;
  /** Anchored rules: a necessary condition checked on the bytes before the regex runs. */
  gate: ((text: Uint8Array, p: number) => boolean) | null;
  /** Names of the groups holding the secret, in pattern order. */
  groups: string[];
  priority: number;
}

export interface RuleSet {
  /** Every compiled rule, by id. */
  rules: CompiledRule[];
  /** keyword (lower case) → rules tried where it occurs, case-insensitively. */
  ci: Map<string, CompiledRule[]>;
  /** keyword → rules, case-sensitive (SK…). */
  cs: Map<string, CompiledRule[]>;
  /** The cs keywords as bytes. */
  csBytes: Map<string, Buffer>;
  /** Rules without keywords: run over the whole text. */
  always: CompiledRule[];
  /** Allow-listed values (mask-rules.json `allow.values` and `exclusions`): a match they match is kept. */
  exclusions: RegExp[];
  /** Allow-listed file paths (mask-rules.json `allow.paths`): such files are not masked. */
  allowPaths: RegExp[];
  style: MaskStyle;
  /** Env-secret values (UTF-8 bytes), looked for in percent-decoded text. */
  envValues: Buffer[];
  /** How far from a `%` a percent-encoded env value can reach: 3 bytes per byte of the longest. */
  envReach: number;
  /** Some env value holds a space (form encoding writes it `+`). */
  envSpace: boolean;
  /** Rule names, for reports (env secrets appear once, as `env-secret`). */
  names: string[];
}

export interface Span {
  rule: string;
  start: number;
  end: number;
  priority: number;
  /** With `detail`: where the rule comes from and why the text was judged a secret (never the text). */
  source?: string;
  why?: string;
}

/** What `scan` also returns when asked (`--explain`): values judged weak, not masked. */
export interface ScanDetail {
  weak: Span[];
}

/** The mask-rules.json fields the scanner needs (zod output of the schema). */
export interface MaskRulesConfig {
  maskStyle?: string;
  builtinRules?: boolean;
  /** Built-in rule ids to turn off. */
  disable?: string[];
  rules?: { name: string; pattern: string; keywords?: string[]; description?: string }[];
  /** Regexes: a match they match is not masked (`allow.values`), nor a file whose path they match. */
  allow?: { values?: string[]; paths?: string[] };
  exclusions?: string[];
}

/** Half-width of a keyword's window on a long line, and a block rule's reach after its keyword. */
export const LINE_WINDOW = 4096;
export const BLOCK_WINDOW = 20_480;

export const ENV_RULE = 'env-secret';
/** An anchored rule's window: bytes before its keyword (lookbehinds) and after it (the longest match). */
const ANCHOR_BEFORE = 400;
const ANCHOR_AFTER = 2048;
/** How far before a span a mask written earlier can start and still overlap it. */
const MASK_REACH = 512;
/** How many first bytes of an env-secret literal make its keyword. */
const LITERAL_ANCHOR = 8;

function compile(def: RuleDef, id: number): CompiledRule {
  const secretGroup = /\(\?<secret/.test(def.pattern) || Boolean(def.nameByKey);
  const flags = (def.anchored ? 'y' : 'g') + (def.flags ?? '').replace(/[gdy]/g, '');
  return {
    id,
    name: def.name,
    re: new RegExp(def.pattern, flags),
    reD: secretGroup ? new RegExp(def.pattern, `${flags}d`) : null,
    literal: null,
    block: Boolean(def.block),
    reach: def.reach ?? BLOCK_WINDOW,
    anchored: Boolean(def.anchored),
    gate: def.anchored && def.gate ? gateOf(def.gate) : null,
    valueChecks: Boolean(def.valueChecks),
    keyChecks: Boolean(def.keyChecks),
    uuidOk: Boolean(def.uuidOk),
    kind: def.kind,
    source: def.source,
    keywords: def.keywords,
    nameByKey: Boolean(def.nameByKey),
    secretGroup,
    groups: [...def.pattern.matchAll(/\(\?<(secret[A-Za-z0-9]*)>/g)].map((m) => m[1]!),
    priority: def.priority ?? 1,
  };
}

/**
 * The rule set of a workspace: built-in rules (unless `builtinRules: false`), the rules and
 * exclusions of mask-rules.json, and the values of secret-named variables of `env`
 * (always on: they are known secrets).
 */
export function loadRules(config: MaskRulesConfig = {}, env: NodeJS.ProcessEnv = {}): RuleSet {
  const defs: RuleDef[] = [];
  const disabled = new Set(config.disable ?? []);
  if (config.builtinRules !== false) defs.push(...builtinRules.filter((r) => !disabled.has(r.name)));
  for (const r of config.rules ?? []) {
    defs.push({
      name: r.name,
      pattern: r.pattern,
      keywords: (r.keywords ?? []).map((k) => k.toLowerCase()),
      priority: 1,
      kind: 'prefix',
      source: `.ops/mask-rules.json${r.description ? `: ${r.description}` : ''}`,
    });
  }
  const set: RuleSet = {
    rules: [],
    ci: new Map(),
    cs: new Map(),
    csBytes: new Map(),
    always: [],
    exclusions: [...(config.exclusions ?? []), ...(config.allow?.values ?? [])].map((x) => new RegExp(x)),
    allowPaths: (config.allow?.paths ?? []).map((x) => new RegExp(x)),
    style: maskStyle(config.maskStyle),
    envValues: [],
    envReach: 0,
    envSpace: false,
    names: [],
  };
  const add = (map: Map<string, CompiledRule[]>, kw: string, rule: CompiledRule) => {
    const list = map.get(kw);
    if (list) list.push(rule);
    else map.set(kw, [rule]);
  };
  const custom = new Set((config.rules ?? []).map((r) => r.name));
  for (const def of defs) {
    const rule = compile(def, set.rules.length);
    set.rules.push(rule);
    if (custom.has(def.name)) rule.kind = 'custom';
    set.names.push(def.name);
    if (!def.keywords.length) set.always.push(rule);
    for (const kw of def.keywords) {
      if (def.caseSensitive) add(set.cs, kw, rule);
      else add(set.ci, kw.toLowerCase(), rule);
    }
  }
  const secrets = envSecrets(env);
  if (secrets.length) set.names.push(ENV_RULE);
  for (const s of secrets) {
    const latin1 = Buffer.from(s.value, 'utf8').toString('latin1');
    if (set.exclusions.some((x) => x.test(latin1))) continue;
    // Found by the keyword automaton's one pass whatever their number (an indexOf pass each
    // was the cost of many forms): its first bytes, any case, then the whole literal, exactly.
    const rule: CompiledRule = { id: set.rules.length, name: ENV_RULE, re: null, reD: null, literal: Buffer.from(latin1, 'latin1'), block: false, reach: 0, anchored: false, gate: null, valueChecks: false, keyChecks: false, uuidOk: false, kind: 'env', source: s.source, keywords: [], nameByKey: false, secretGroup: false, groups: [], priority: 2 };
    set.rules.push(rule);
    add(set.ci, latin1.slice(0, LITERAL_ANCHOR).toLowerCase(), rule);
  }
  for (const kw of set.cs.keys()) set.csBytes.set(kw, Buffer.from(kw, 'latin1'));
  for (const { value } of envSecretValues(env)) {
    const bytes = Buffer.from(value, 'utf8');
    if (set.exclusions.some((x) => x.test(bytes.toString('latin1')))) continue;
    set.envValues.push(bytes);
    set.envReach = Math.max(set.envReach, 3 * bytes.length);
    if (value.includes(' ')) set.envSpace = true;
  }
  return set;
}

/** How far the line-bound helpers look byte by byte before a native search (most lines are short). */
const NEAR = 256;

/** Start of the line holding byte `p`, at most `limit` bytes back. */
export function lineStart(text: Uint8Array, p: number, limit: number): number {
  const lo = Math.max(0, p - limit);
  const near = Math.max(lo, p - NEAR);
  for (let i = p - 1; i >= near; i--) if (text[i] === 10) return i + 1;
  if (near === lo) return lo;
  // Native search over the rest of the bounded range (a long line is searched once, not byte by byte in JS).
  const i = Buffer.from(text.buffer, text.byteOffset + lo, near - lo).lastIndexOf(10);
  return i === -1 ? lo : lo + i + 1;
}

/** End (the newline's index) of the line holding byte `p`, at most `limit` bytes on. */
export function lineEnd(text: Uint8Array, p: number, limit: number): number {
  const hi = Math.min(text.length, p + limit);
  if (p >= hi) return hi;
  const near = Math.min(hi, p + NEAR);
  for (let i = p; i < near; i++) if (text[i] === 10) return i;
  if (near === hi) return hi;
  const i = Buffer.from(text.buffer, text.byteOffset + near, hi - near).indexOf(10);
  return i === -1 ? hi : near + i;
}

/**
 * Aho–Corasick automaton over the case-insensitive keywords, as a dense DFA indexed by state
 * and byte: one pass over the text finds every keyword occurrence (instead of one indexOf
 * pass each).
 */
interface KeywordAutomaton {
  /**
   * Next state: next[(state << 8) | byte], with FLAG set when keywords end in that state
   * (the hot loop tests a bit of what it loaded instead of loading a flag). 16-bit entries
   * while the states fit (the table stays small: its hot rows, the shallow states, stay in
   * cache); indexing by the byte itself saves the byte-class load a smaller table needs.
   */
  next: Uint16Array | Int32Array;
  flag: number;
  /** Keyword ids ending in a state, or undefined. */
  out: (number[] | undefined)[];
  keywords: string[];
  /** Keyword lengths by id. */
  lengths: Int32Array;
  /** Case-insensitive anchored rules by keyword id (tried at the keyword). */
  anchored: CompiledRule[][];
  /** The other case-insensitive rules by keyword id (env literals, windowed rules), in rule order. */
  others: CompiledRule[][];
  /** Case-sensitive keywords (`set.cs` keys) by keyword id: the automaton finds them in any case, the scan checks the bytes. */
  cs: (string[] | undefined)[];
  /** The longest keyword's length. */
  maxLen: number;
}

const automata = new WeakMap<RuleSet, KeywordAutomaton>();

function automaton(set: RuleSet): KeywordAutomaton {
  let a = automata.get(set);
  if (a) return a;
  const keywords = [...set.ci.keys()];
  // Case-sensitive keywords join the automaton lower-cased (one pass finds them too); a hit is
  // theirs when its bytes are the keyword's exactly.
  const csOf: (string[] | undefined)[] = [];
  for (const kw of set.cs.keys()) {
    const lower = kw.toLowerCase();
    let id = keywords.indexOf(lower);
    if (id === -1) id = keywords.push(lower) - 1;
    (csOf[id] ??= []).push(kw);
  }
  // The trie is built on byte classes (the bytes keywords use, either case, and "any other"),
  // then spread out to one row of 256 per state.
  const cls = new Uint8Array(256);
  let width = 1;
  for (const kw of keywords) {
    for (let i = 0; i < kw.length; i++) {
      const c = kw.charCodeAt(i);
      if (!cls[c]) {
        cls[c] = width++;
        const up = String.fromCharCode(c).toUpperCase();
        if (up.length === 1 && up.charCodeAt(0) < 256) cls[up.charCodeAt(0)] = cls[c]!;
      }
    }
  }
  // Trie: children per state as pairs (class, child). This runs once per rule set, before any
  // code is optimized: the work stays proportional to the keywords' length, not to the table.
  const kids: number[][] = [[]];
  const outs: number[][] = [[]];
  for (let id = 0; id < keywords.length; id++) {
    const kw = keywords[id]!;
    let st = 0;
    for (let i = 0; i < kw.length; i++) {
      const c = cls[kw.charCodeAt(i)]!;
      const ks = kids[st]!;
      let t = -1;
      for (let k = 0; k < ks.length; k += 2) if (ks[k] === c) t = ks[k + 1]!;
      if (t === -1) {
        t = kids.length;
        kids.push([]);
        outs.push([]);
        ks.push(c, t);
      }
      st = t;
    }
    outs[st]!.push(id);
  }
  const states = kids.length;
  // States are numbered in breadth-first order (the shallow states, where the scan spends its
  // time, sit together at the start of the table: it stays in the fastest cache).
  const order = new Int32Array(states);
  const rank = new Int32Array(states);
  let qn = 1;
  for (let qi = 0; qi < qn; qi++) {
    const ks = kids[order[qi]!]!;
    for (let k = 0; k < ks.length; k += 2) {
      rank[ks[k + 1]!] = qn;
      order[qn++] = ks[k + 1]!;
    }
  }
  // 16-bit entries hold 32 767 states and the flag; a larger set (thousands of long custom
  // keywords) takes 32-bit entries, with the flag above any state index.
  const small = states < 0x8000;
  if (states >= 1 << 21) throw new Error(`mask rules: too many keywords (${states} automaton states)`);
  const flag = small ? 0x8000 : 0x20000000;
  const bytesOf: number[][] = Array.from({ length: width }, () => []);
  for (let b = 0; b < 256; b++) if (cls[b]) bytesOf[cls[b]!]!.push(b);
  // Failure links (the classic walk up the failure chain), and the keywords each state ends:
  // its own and its failure state's (shallower: done before it).
  const fail = new Int32Array(states);
  const childOf = (st: number, c: number): number => {
    const ks = kids[st]!;
    for (let k = 0; k < ks.length; k += 2) if (ks[k] === c) return ks[k + 1]!;
    return -1;
  };
  for (let r = 1; r < states; r++) {
    const st = order[r]!;
    if (outs[fail[st]!]!.length) outs[st]!.push(...outs[fail[st]!]!);
    const ks = kids[st]!;
    for (let k = 0; k < ks.length; k += 2) {
      let f = fail[st]!;
      let t = childOf(f, ks[k]!);
      while (t === -1 && f !== 0) {
        f = fail[f]!;
        t = childOf(f, ks[k]!);
      }
      fail[ks[k + 1]!] = t === -1 ? 0 : t;
    }
  }
  // Rows in breadth-first order: a state's row is its failure state's row (shallower: done
  // before it) with its own children written over; the root's row leads back to the root.
  const entry = (st: number) => (outs[st]!.length ? rank[st]! | flag : rank[st]!);
  const table = small ? new Uint16Array(states << 8) : new Int32Array(states << 8);
  table.fill(entry(0), 0, 256);
  const out: (number[] | undefined)[] = new Array(states);
  for (let r = 0; r < states; r++) {
    const st = order[r]!;
    if (r > 0) table.copyWithin(r << 8, rank[fail[st]!]! << 8, (rank[fail[st]!]! + 1) << 8);
    const ks = kids[st]!;
    for (let k = 0; k < ks.length; k += 2) {
      const bytes = bytesOf[ks[k]!]!;
      const v = entry(ks[k + 1]!);
      for (let j = 0; j < bytes.length; j++) table[(r << 8) | bytes[j]!] = v;
    }
    if (outs[st]!.length) out[r] = outs[st];
  }
  const rulesOf = keywords.map((k) => set.ci.get(k) ?? []);
  a = {
    next: table,
    flag,
    out,
    keywords,
    lengths: Int32Array.from(keywords, (k) => k.length),
    anchored: rulesOf.map((rs) => rs.filter((r) => r.literal === null && r.anchored)),
    others: rulesOf.map((rs) => rs.filter((r) => r.literal !== null || !r.anchored)),
    cs: keywords.map((_, id) => csOf[id]),
    maxLen: Math.max(1, ...keywords.map((k) => k.length)),
  };
  automata.set(set, a);
  // The line-bound helpers' native search runs for long lines only, seldom: run it once now,
  // so that code optimized before a long line comes has seen it (instead of deoptimizing there).
  const long = Buffer.alloc(2 * NEAR + 4, 0x61);
  for (const at of [1, -1]) {
    long.fill(0x61);
    long[at === 1 ? 1 : long.length - 2] = 10;
    for (const limit of [long.length, NEAR + 1]) {
      lineStart(long, long.length - 1, limit);
      lineEnd(long, 0, limit);
    }
  }
  return a;
}

/** Rule sets whose scan paths were taken once (`warmUp`). */
const warmed = new WeakSet<RuleSet>();
/** Texts from this size on are worth the warm-up (≈ 20 ms; a big log's first megabytes pay it back several times over). */
const WARM_FROM = 256 << 10;

/**
 * Takes every path of the scan's hot functions once, on a few made-up lines, before any log
 * is read. V8 optimizes a function with the type feedback its paths have gathered; a path that
 * never ran is compiled as "give up here", so a log that takes it later throws the optimized
 * code away, runs slowly until it is compiled again, and pays the compilation again (measured:
 * the keyword dispatch compiled 6 times per run). The text holds, for one keyword of each
 * kind of rule list, the shapes the gates and value checks tell apart (assignment operators,
 * quotes, flags, weak and placeholder values, a long line). The spans found are dropped.
 */
function warmUp(set: RuleSet, ac: KeywordAutomaton): void {
  // One keyword per kind of rule list: the rules' kinds, gates, and whether the keyword is case-sensitive.
  const kinds = new Set<string>();
  const picked: string[] = [];
  ac.keywords.forEach((kw, id) => {
    const kind = [...ac.anchored[id]!.map((r) => `a${String(r.gate === null ? '' : r.gate.name || 'fixed')}`), ...ac.others[id]!.map((r) => (r.literal ? 'l' : r.block ? 'b' : 'w')), ac.cs[id] ? 'cs' : ''].join();
    if (kinds.has(kind)) return;
    kinds.add(kind);
    picked.push(...(ac.cs[id] ?? [kw]));
  });
  const v = 'Qz8xW3rT5yU7iO9p';
  const lines: string[] = [];
  for (const kw of picked) {
    lines.push(
      `ab${kw}=${v}`,
      `  ${kw} ${v}`,
      `"${kw}": "${v}", '${kw}' => '${v}'`,
      `x_${kw}\\"=\\"${v}\\" ${kw} := ${v}`,
      `--${kw} ${v} --${kw}=${v} --${kw} "x"`,
      `${kw}_file: /run/${kw} ${kw}: changeme ${kw}: YOUR_${kw} ${kw}=[MASKED:x]`,
      `ab${kw}u:${v}@h.example ${kw.toUpperCase()}${kw.toLowerCase()}`,
    );
  }
  // Twice over: the second time, each rule's list exists already. Between the two, a line
  // longer than two windows, with keywords 600 bytes apart (windows shared along a long line).
  const text = lines.join('\n');
  const gap = ' ab'.repeat(200);
  scan(set, Buffer.from(`${text}\n${gap.repeat(15)}${picked.map((kw) => `${kw}=${v}`).join(gap)}\n${text}`, 'latin1'));
}

/**
 * Where keywords end, as pairs (index of the last byte, keyword id), in text order: the
 * concatenation of the lists returned.
 *
 * A long text is read as four quarters at once: each byte's step depends on the state the
 * last one left, so one pass is a chain of dependent loads; four independent chains keep the
 * CPU busy during each other's load latency. Chain k reports the keywords ending in quarter k
 * only. Chain k > 0 starts `maxLen - 1` bytes before its quarter, from the start state: from
 * its quarter's start on, its state is the one a single pass would be in (the longest suffix
 * of what was read that begins a keyword is at most `maxLen` bytes long, and it has read that
 * many), so it finds exactly the keywords a single pass finds there, in the same order. Each
 * chain runs on past its quarter's end (all take the same number of steps) and drops what it
 * finds there: the next chain reports those.
 */
function findKeywords(ac: KeywordAutomaton, text: Uint8Array): number[][] {
  if (text.length < 1 << 16) {
    const hits: number[] = [];
    chain(ac, text, hits);
    return [hits];
  }
  const h: number[][] = [[], [], [], []];
  quarters(ac, text, h[0]!, h[1]!, h[2]!, h[3]!);
  return h;
}

/** One chain over the whole text. */
function chain(ac: KeywordAutomaton, text: Uint8Array, hits: number[]): void {
  const { next, flag, out } = ac;
  const len = text.length;
  let st = 0;
  for (let i = 0; i < len; i++) {
    st = next[(st << 8) | text[i]!]!;
    if ((st & flag) !== 0) {
      st ^= flag;
      const hit = out[st]!;
      for (let k = 0; k < hit.length; k++) hits.push(i, hit[k]!);
    }
  }
}

/**
 * The four chains (a text of 64 KiB or more). Nothing follows the loop: code compiled while
 * the loop runs (on-stack replacement) must not meet code that never ran (it would deoptimize).
 */
function quarters(ac: KeywordAutomaton, text: Uint8Array, h0: number[], h1: number[], h2: number[], h3: number[]): void {
  const { next, flag, out } = ac;
  const len = text.length;
  const back = ac.maxLen - 1;
  const q = len >>> 2;
  // Quarter k is [bk, bk+1); chain k starts at fk and takes `steps` steps (the last chain ends at len).
  const b1 = q;
  const b2 = 2 * q;
  const b3 = 3 * q;
  const f1 = b1 - back;
  const f2 = b2 - back;
  const f3 = b3 - back;
  const steps = len - f3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let j = 0; j < steps; j++) {
    s0 = next[(s0 << 8) | text[j]!]!;
    s1 = next[(s1 << 8) | text[f1 + j]!]!;
    s2 = next[(s2 << 8) | text[f2 + j]!]!;
    s3 = next[(s3 << 8) | text[f3 + j]!]!;
    if (((s0 | s1 | s2 | s3) & flag) !== 0) {
      if ((s0 & flag) !== 0) {
        s0 ^= flag;
        if (j < b1) {
          const hit = out[s0]!;
          for (let k = 0; k < hit.length; k++) h0.push(j, hit[k]!);
        }
      }
      if ((s1 & flag) !== 0) {
        s1 ^= flag;
        const i = f1 + j;
        if (i >= b1 && i < b2) {
          const hit = out[s1]!;
          for (let k = 0; k < hit.length; k++) h1.push(i, hit[k]!);
        }
      }
      if ((s2 & flag) !== 0) {
        s2 ^= flag;
        const i = f2 + j;
        if (i >= b2 && i < b3) {
          const hit = out[s2]!;
          for (let k = 0; k < hit.length; k++) h2.push(i, hit[k]!);
        }
      }
      if ((s3 & flag) !== 0) {
        s3 ^= flag;
        const i = f3 + j;
        if (i >= b3) {
          const hit = out[s3]!;
          for (let k = 0; k < hit.length; k++) h3.push(i, hit[k]!);
        }
      }
    }
  }
}

/**
 * Every span of `text` (bytes; regexes see them as Latin-1) to mask, sorted, overlaps
 * merged (the higher-priority rule names it).
 */
export function scan(set: RuleSet, text: Buffer, detail?: ScanDetail): Span[] {
  if (text.length >= WARM_FROM && !warmed.has(set) && (set.ci.size || set.cs.size)) {
    warmed.add(set);
    warmUp(set, automaton(set));
  }
  const sc = new Scan(set, text, detail);
  if (set.ci.size || set.cs.size) sc.keywords();
  if (set.envValues.length) percentEncoded(set, text, sc.spans, detail);
  for (const r of set.always) sc.windowsOf(r).push(0, text.length);
  // Rules in the order their first keyword came (the order of spans with equal bounds).
  for (const r of sc.windowOrder) sc.runWindows(r, sc.windows[r.id]!);
  for (const r of sc.anchorOrder) sc.runAnchored(r, sc.anchors[r.id]!);
  return mergeSpans(sc.spans);
}

/** One scan's state: where each rule is to be tried, the spans found. */
class Scan {
  readonly spans: Span[] = [];
  /** Windows (pairs a, b) per rule id, and the rules that have some, in first-hit order. */
  readonly windows: (number[] | undefined)[];
  readonly windowOrder: CompiledRule[] = [];
  /** Anchored rules: keyword positions per rule id, and the rules that have some. */
  readonly anchors: (number[] | undefined)[];
  readonly anchorOrder: CompiledRule[] = [];
  private readonly len: number;
  // The window of the current line, reused while hits stay inside it.
  private curA = -1;
  private curB = -1;
  private curWhole = false;
  // The last window's text (windows are mostly whole lines, shared by the rules whose keywords are on them).
  private lastA = -1;
  private lastB = -1;
  private lastSub = '';
  /** Case-sensitive keyword → where it occurs (byte-exact), in text order. */
  private csHits: Map<string, number[]> | null = null;

  constructor(
    private readonly set: RuleSet,
    private readonly text: Buffer,
    private readonly detail: ScanDetail | undefined,
  ) {
    this.len = text.length;
    this.windows = new Array<number[] | undefined>(set.rules.length).fill(undefined);
    this.anchors = new Array<number[] | undefined>(set.rules.length).fill(undefined);
  }

  windowsOf(r: CompiledRule): number[] {
    let w = this.windows[r.id];
    if (w === undefined) {
      this.windows[r.id] = w = [];
      this.windowOrder.push(r);
    }
    return w;
  }

  /** Every keyword occurrence, handed to its rules. */
  keywords(): void {
    const ac = automaton(this.set);
    const lists = findKeywords(ac, this.text);
    for (let l = 0; l < lists.length; l++) this.hits(ac, lists[l]!);
    if (this.csHits !== null) this.csNotes();
  }

  /**
   * Hits (pairs: last byte, keyword id) handed to their rules. Anchored rules only take the
   * position (most hits), the others go through `note`. (Which kind comes first does not
   * matter: each kind has its own list.)
   */
  private hits(ac: KeywordAutomaton, hits: number[]): void {
    const lengths = ac.lengths;
    for (let i = 0; i < hits.length; i += 2) {
      const id = hits[i + 1]!;
      const kwLen = lengths[id]!;
      const p = hits[i]! + 1 - kwLen;
      const anchored = ac.anchored[id]!;
      for (let k = 0; k < anchored.length; k++) this.anchor(anchored[k]!, p);
      const others = ac.others[id]!;
      if (others.length !== 0) this.note(others, p, kwLen);
      const cs = ac.cs[id];
      if (cs !== undefined) this.csHit(cs, p, kwLen);
    }
  }

  private anchor(r: CompiledRule, p: number): void {
    let h = this.anchors[r.id];
    if (h === undefined) {
      this.anchors[r.id] = h = [];
      this.anchorOrder.push(r);
    }
    h.push(p);
  }

  /** A case-insensitive hit of case-sensitive keywords: kept for `csNotes` where the bytes are exactly one. */
  private csHit(cs: string[], p: number, kwLen: number): void {
    const text = this.text;
    for (let k = 0; k < cs.length; k++) {
      const kw = cs[k]!;
      if (text.compare(this.set.csBytes.get(kw)!, 0, kwLen, p, p + kwLen) !== 0) continue;
      this.csHits ??= new Map();
      const at = this.csHits.get(kw);
      if (at) at.push(p);
      else this.csHits.set(kw, [p]);
    }
  }

  /**
   * The case-sensitive keywords' rules, after all the others, as `indexOf` from each
   * occurrence's end found them before: keyword by keyword (in map order), and an occurrence
   * overlapping the last one taken is skipped.
   */
  private csNotes(): void {
    const csHits = this.csHits!;
    for (const [kw, rules] of this.set.cs) {
      const at = csHits.get(kw);
      if (!at) continue;
      let from = 0;
      for (const p of at) {
        if (p < from) continue;
        this.note(rules, p, kw.length);
        from = p + kw.length;
      }
    }
  }

  /** A keyword of `rules` at `p`: an env literal is compared now; other rules get a window or an anchor. */
  private note(rules: CompiledRule[], p: number, kwLen: number): void {
    const text = this.text;
    const len = this.len;
    let a = -1;
    let b = -1;
    for (let k = 0; k < rules.length; k++) {
      const r = rules[k]!;
      if (r.literal !== null) {
        this.literal(r, p);
        continue;
      }
      if (r.anchored) {
        // Tried at the keyword itself: no line window needed (the patterns never cross a line).
        this.anchor(r, p);
        continue;
      }
      if (a === -1) {
        // The current window serves while the hit is inside it, with room either side when it
        // is a piece of a long line (a minified bundle full of keywords: one window, not one per hit).
        const curA = this.curA;
        const curB = this.curB;
        if (p >= curA && p + kwLen <= curB && (this.curWhole || ((p - curA >= 512 || curA === 0 || text[curA - 1] === 10) && (curB - p >= 2048 || curB === len || text[curB] === 10)))) {
          a = curA;
          b = curB;
        } else {
          a = lineStart(text, p, LINE_WINDOW);
          b = lineEnd(text, p + kwLen, LINE_WINDOW);
          this.curA = a;
          this.curB = b;
          this.curWhole = (a === 0 || text[a - 1] === 10) && (b === len || text[b] === 10);
        }
      }
      const e = r.block ? Math.min(len, p + r.reach) : b;
      const w = this.windowsOf(r);
      if (w.length && w[w.length - 2] === a && w[w.length - 1]! >= e) continue;
      w.push(a, e);
    }
  }

  /** An env-secret literal whose first bytes are at `p`: masked when the whole value is there. */
  private literal(r: CompiledRule, p: number): void {
    const lit = r.literal!;
    if (p + lit.length > this.len || this.text.compare(lit, 0, lit.length, p, p + lit.length) !== 0) return;
    this.spans.push(this.detail ? { rule: r.name, start: p, end: p + lit.length, priority: r.priority, source: r.source, why: `the value of a secret-named environment variable (${r.source})` } : { rule: r.name, start: p, end: p + lit.length, priority: r.priority });
  }

  private window(a: number, b: number): string {
    if (a !== this.lastA || b !== this.lastB) {
      this.lastA = a;
      this.lastB = b;
      this.lastSub = this.text.toString('latin1', a, b);
    }
    return this.lastSub;
  }

  /** A rule's regex along its windows. */
  runWindows(rule: CompiledRule, w: number[]): void {
    const merged = mergePairs(w);
    const re = rule.re!;
    for (let i = 0; i < merged.length; i += 2) {
      const a = merged[i]!;
      const sub = this.window(a, merged[i + 1]!);
      re.lastIndex = 0;
      let from = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(sub)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
        } else this.matched(rule, m, sub, a, from);
        from = re.lastIndex;
      }
    }
  }

  /** An anchored rule's regex at each of its keywords (sticky). */
  runAnchored(rule: CompiledRule, h: number[]): void {
    const text = this.text;
    const len = this.len;
    const re = rule.re!;
    const gate = rule.gate;
    let done = -1;
    let wa = -1;
    let wb = -1;
    for (let i = 0; i < h.length; i++) {
      const p = h[i]!;
      // Hits inside the previous match (a keyword in a value) start nothing new.
      if (p < done) continue;
      // Nothing can match here (most hits: a keyword in prose or code): no window, no regex.
      // The window chosen for a later hit does not change what matches there (it has room
      // before and after the keyword, or ends at the line's ends, either way).
      if (gate !== null && !gate(text, p)) continue;
      // A window from a little before the keyword (lookbehinds) to well after it, shared by the
      // hits that follow while they leave room for a whole match.
      // Within the line (a short line: the line itself, no bigger string than needed).
      // (No window yet: wa = wb = -1, and text[-2] is not read: an out-of-bounds read deoptimizes.)
      const startOk = wa !== -1 && p >= wa && (p - ANCHOR_BEFORE >= wa || wa === 0 || text[wa - 1] === 10);
      const endOk = p < wb && (p + ANCHOR_AFTER <= wb || wb === len || text[wb] === 10);
      if (!startOk || !endOk) {
        wa = lineStart(text, p, ANCHOR_BEFORE);
        wb = lineEnd(text, p, 2 * ANCHOR_AFTER);
      }
      const a = wa;
      const sub = this.window(wa, wb);
      re.lastIndex = p - a;
      const m = re.exec(sub);
      if (m !== null && m[0].length) {
        this.matched(rule, m, sub, a, p - a);
        done = a + m.index + m[0].length;
      }
    }
  }

  /**
   * A match (found without indices, from `from`): its key and secret are checked first, from
   * the groups' text; only a match kept (or listed as weak) is asked for its secret's bounds.
   */
  private matched(rule: CompiledRule, m: RegExpExecArray, sub: string, a: number, from: number): void {
    let secret = m[0];
    const groups = m.groups;
    if (rule.secretGroup && groups !== undefined) {
      for (const g of rule.groups) {
        const v = groups[g];
        if (v !== undefined) {
          secret = v;
          break;
        }
      }
    }
    const key = groups?.key;
    if (rule.keyChecks && key !== undefined && !keyIsSecret(key)) return;
    const name = rule.nameByKey ? nameForKey(key ?? '') : rule.name;
    this.accept(rule, name, sub, m, from, secret, a, key);
  }

  /**
   * Keeps a match unless it is a placeholder token, (context rules) not a secret value, already
   * masked, or allow-listed; a weak value (under the entropy floor) goes to `detail.weak`.
   */
  private accept(rule: CompiledRule, name: string, text: string, m: RegExpExecArray, from: number, secret: string, offset: number, key: string | undefined): void {
    const set = this.set;
    const detail = this.detail;
    let verdict: Readonly<Verdict> | null = null;
    // The checks on the secret's text first: they reject most matches, and need no bounds.
    if (rule.valueChecks) {
      verdict = judgeValue(secret, rule.uuidOk && key !== undefined);
      if (!verdict.secret && !(verdict.weak && detail)) return;
    } else if ((rule.kind === 'prefix' || rule.kind === 'keyword') && placeholderToken(secret)) return;
    const ms = m.index;
    const me = ms + m[0].length;
    let s = ms;
    let e = me;
    if (rule.secretGroup && rule.reD !== null) {
      // The same pattern from the same place, with indices: the same match.
      const reD = rule.reD;
      reD.lastIndex = from;
      const ig = reD.exec(text)?.indices?.groups;
      if (ig) {
        for (const g of rule.groups) {
          const idx = ig[g];
          if (idx) {
            [s, e] = idx;
            break;
          }
        }
      }
    }
    if (set.style.prefix && overlapsMask(set, text, s, e)) return;
    let why = '';
    if (verdict !== null) {
      if (!verdict.secret) {
        if (verdict.weak && detail) detail.weak.push({ rule: name, start: s + offset, end: e + offset, priority: rule.priority, source: rule.source, why: `${key ? `key ${key}; ` : ''}value ${verdict.why}` });
        return;
      }
      if (detail) why = `${key ? `key ${key}; ` : ''}${KIND_WHY[rule.kind]}; value ${verdict.why}`;
    } else if (detail) {
      // The prefix shown is the rule's own keyword (never characters of the secret itself).
      const kw = rule.kind === 'prefix' ? rule.keywords.find((k) => secret.toLowerCase().startsWith(k.toLowerCase())) : undefined;
      const what = kw ? `prefix "${secret.slice(0, kw.length)}" and shape` : KIND_WHY[rule.kind];
      why = `${key ? `key ${key}; ` : ''}${what}; ${e - s} chars, entropy ${entropy(secret).toFixed(1)} bits/char`;
    }
    if (set.exclusions.length) {
      const whole = text.slice(ms, me);
      if (set.exclusions.some((x) => x.test(whole) || x.test(secret))) return;
    }
    const span: Span = { rule: name, start: s + offset, end: e + offset, priority: rule.priority };
    if (detail) {
      span.source = rule.source;
      span.why = why;
    }
    this.spans.push(span);
  }
}

/** Key bytes of an assignment pattern: [A-Za-z0-9_.-] (the same set under the i flag on Latin-1 text). */
const KEY_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  KEY_BYTE[c] = /[A-Za-z0-9_.-]/.test(ch) ? 1 : 0;
}

/**
 * The 'assignment' gate: can `(?<key>KEY[A-Za-z0-9_.-]{0,n})` followed by
 *   (1) `\\?["']?[ \t]*(?:=|:|=>|:=)[ \t]*VALUE`, or
 *   (2) `(?<=--[A-Za-z0-9_.-]{1,130})(?:[ \t]+|=)VALUE`
 * match at byte `p`? Every key byte is in [A-Za-z0-9_.-] and neither continuation starts with
 * one, so the key must end at q, the first byte from p that is not a key byte (a shorter key
 * leaves a key byte where the continuation needs another): then (1) optional `\`, optional
 * quote, blanks, `=` or `:` (or `=>`, `:=`); or (2) a blank or `=` at q, with `--` and 1 to
 * 130 key bytes just before q. Either way VALUE must be able to start after the blanks that
 * follow (`valueAt`). False only when the regex cannot match at p in any window of the text
 * (bounds are the whole text's: looser than a window's, so never stricter than the regex).
 */
function assignmentGate(text: Uint8Array, p: number): boolean {
  const len = text.length;
  let q = p;
  while (q < len && KEY_BYTE[text[q]!] === 1) q++;
  if (q >= len) return false;
  const c = text[q]!;
  // (2): a blank or = after a --flag name.
  if (c === 0x20 || c === 0x09 || c === 0x3d) {
    for (let k = 1; k <= 130 && q - k >= 0 && KEY_BYTE[text[q - k]!] === 1; k++) {
      if (q - k - 2 >= 0 && text[q - k - 1] === 0x2d && text[q - k - 2] === 0x2d) {
        if (valueAt(text, c === 0x3d ? q + 1 : blanks(text, q))) return true;
        break;
      }
    }
  }
  // (1)
  let i = q;
  if (text[i] === 0x5c) i++;
  if (i < len && (text[i] === 0x22 || text[i] === 0x27)) i++;
  i = blanks(text, i);
  if (i >= len) return false;
  const op = text[i]!;
  if (op !== 0x3d && op !== 0x3a) return false;
  if (valueAt(text, blanks(text, i + 1))) return true;
  // `=>` and `:=`: the value after the second byte.
  const op2 = i + 1 < len ? text[i + 1]! : -1;
  return ((op === 0x3d && op2 === 0x3e) || (op === 0x3a && op2 === 0x3d)) && valueAt(text, blanks(text, i + 2));
}

/** The first byte from `i` that is not a blank (space or tab). */
function blanks(text: Uint8Array, i: number): number {
  const len = text.length;
  while (i < len && (text[i] === 0x20 || text[i] === 0x09)) i++;
  return i;
}

/** VALUE's bytes (rules.ts): double-quoted [^"\r\n\\], single-quoted [^'\r\n], bare [^\s"'`,;&)}\]\\]. */
const DQ_BYTE = new Uint8Array(256);
const SQ_BYTE = new Uint8Array(256);
const BARE_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  DQ_BYTE[c] = /[^"\r\n\\]/.test(ch) ? 1 : 0;
  SQ_BYTE[c] = /[^'\r\n]/.test(ch) ? 1 : 0;
  BARE_BYTE[c] = /[^\s"'`,;&)}\]\\]/.test(ch) ? 1 : 0;
}
/** VALUE's shortest value. */
const VALUE_MIN = 6;

/**
 * Can VALUE start at `v`: `\\?"` then 6 double-quoted bytes, `'` then 6 single-quoted bytes,
 * or 6 bare bytes? (The closing quote is left to the regex.)
 */
function valueAt(text: Uint8Array, v: number): boolean {
  const len = text.length;
  if (v >= len) return false;
  let c = text[v]!;
  if (c === 0x5c && v + 1 < len && text[v + 1] === 0x22) c = text[++v]!;
  if (c === 0x22) return runOf(text, v + 1, DQ_BYTE);
  if (c === 0x27) return runOf(text, v + 1, SQ_BYTE);
  return runOf(text, v, BARE_BYTE);
}

/** Are the VALUE_MIN bytes from `i` all in `cls`? */
function runOf(text: Uint8Array, i: number, cls: Uint8Array): boolean {
  if (i + VALUE_MIN > text.length) return false;
  for (let k = i; k < i + VALUE_MIN; k++) if (cls[text[k]!] !== 1) return false;
  return true;
}

/**
 * The 'line-start' gate: can `(?<=^[ \t]*)…` (flag m) match at `p`? Only blanks may stand
 * between the line's start and `p`. A window may also start in the middle of a long line, at
 * least ANCHOR_BEFORE bytes before `p` (`^` matches there too): a run of that many blanks
 * passes as well.
 */
function lineStartGate(text: Uint8Array, p: number): boolean {
  let i = p - 1;
  while (i >= 0 && p - i <= ANCHOR_BEFORE && (text[i] === 0x20 || text[i] === 0x09)) i--;
  return i < 0 || p - i > ANCHOR_BEFORE || text[i] === 0x0a || text[i] === 0x0d;
}

/** Bytes a URL's user name may hold: [^\\s:@/?#'"`<>] (JS `\\s` on Latin-1: 9-13, space, 0xA0). */
const USER_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) USER_BYTE[c] = /[^\s:@/?#'"`<>]/.test(String.fromCharCode(c)) ? 1 : 0;

/**
 * The 'userinfo' gate: can `://(?<=…)[^\\s:@/?#'"\`<>]{0,n}:…` match at `p` (the `://`)? The
 * user name's bytes are all USER_BYTEs and `:` is not one, so the first other byte after the
 * `://` must be that `:`.
 */
function userinfoGate(text: Uint8Array, p: number): boolean {
  const len = text.length;
  let q = p + 3;
  while (q < len && USER_BYTE[text[q]!] === 1) q++;
  return q < len && text[q] === 0x3a;
}

const GATES = { assignment: assignmentGate, userinfo: userinfoGate, 'line-start': lineStartGate } as const;

/** A gate of its own: the pattern has a fixed byte at a fixed distance from its keyword. */
function gateOf(gate: NonNullable<RuleDef['gate']>): (text: Uint8Array, p: number) => boolean {
  if (typeof gate === 'string') return GATES[gate];
  const at = gate.at;
  const byte = gate.byte.charCodeAt(0);
  return (text, p) => p + at < text.length && text[p + at] === byte;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}
/** Bytes that end a run of URL-encoded text: encoders never leave them as they are. */
const isSpace = (b: number) => b <= 0x20 || b === 0x7f;

/** Scratch space of the decoder, grown as needed. */
let decoded = Buffer.alloc(0);
let fromAt = new Int32Array(0);
let toAt = new Int32Array(0);

/**
 * Env-secret values percent-encoded in any way (RFC 3986 or encodeURIComponent, encodeURI,
 * every byte, upper or lower hex, form encoding's `+` for a space): the text around each
 * `%XX`, up to whitespace and at most `envReach` bytes either side, is decoded and the
 * values are looked for in it. A value found there is masked in its encoded form.
 */
function percentEncoded(set: RuleSet, text: Buffer, spans: Span[], detail?: ScanDetail): void {
  const len = text.length;
  const reach = set.envReach;
  let p = text.indexOf(0x25);
  while (p !== -1) {
    if (p + 2 < len && HEX[text[p + 1]!]! >= 0 && HEX[text[p + 2]!]! >= 0) {
      // Every encoded value holding this % lies in [p - reach, p + reach) and has no
      // whitespace; the window goes on to p + 2·reach so that the next one starts past p + reach.
      let a = p;
      while (a > 0 && p - a < reach && !isSpace(text[a - 1]!)) a--;
      let b = p;
      while (b < len && b - p < 2 * reach && !isSpace(text[b]!)) b++;
      decodeAndFind(set, text, a, b, false, spans, detail);
      if (set.envSpace) decodeAndFind(set, text, a, b, true, spans, detail);
      // The %s up to b, or up to p + reach when the window was cut short, are covered.
      p = text.indexOf(0x25, b - p < 2 * reach ? b : p + reach + 1);
    } else p = text.indexOf(0x25, p + 1);
  }
}

function decodeAndFind(set: RuleSet, text: Buffer, a: number, b: number, plusIsSpace: boolean, spans: Span[], detail?: ScanDetail): void {
  if (decoded.length < b - a) {
    decoded = Buffer.alloc(2 * (b - a));
    fromAt = new Int32Array(2 * (b - a));
    toAt = new Int32Array(2 * (b - a));
  }
  let n = 0;
  for (let i = a; i < b; ) {
    const c = text[i]!;
    fromAt[n] = i;
    if (c === 0x25 && i + 2 < b && HEX[text[i + 1]!]! >= 0 && HEX[text[i + 2]!]! >= 0) {
      decoded[n] = (HEX[text[i + 1]!]! << 4) | HEX[text[i + 2]!]!;
      i += 3;
    } else {
      decoded[n] = plusIsSpace && c === 0x2b ? 0x20 : c;
      i += 1;
    }
    toAt[n++] = i;
  }
  const hay = decoded.subarray(0, n);
  for (const v of set.envValues) {
    let at = hay.indexOf(v);
    while (at !== -1) {
      const span: Span = { rule: ENV_RULE, start: fromAt[at]!, end: toAt[at + v.length - 1]!, priority: 2 };
      if (detail) {
        span.source = 'environment';
        span.why = 'the percent-encoded value of a secret-named environment variable';
      }
      spans.push(span);
      at = hay.indexOf(v, at + 1);
    }
  }
}

const KIND_WHY: Record<string, string> = {
  prefix: 'prefix and shape',
  keyword: 'provider keyword in the key, and shape',
  context: 'context',
  custom: 'custom rule of .ops/mask-rules.json',
  env: 'environment',
};

/**
 * The span holds, or is part of, a mask already written (the re-scan of masked output, or
 * masked input): `https://[MASKED:github-pat]@host` is no `user:password@`.
 */
function overlapsMask(set: RuleSet, text: string, s: number, e: number): boolean {
  const { prefix } = set.style;
  // Masks are short: only one starting shortly before the span can reach into it (a bounded
  // search: a long window holding many matches must not be searched back to its start each time).
  let at = text.indexOf(prefix, Math.max(0, s - MASK_REACH));
  while (at !== -1 && at < e) {
    if (at >= s || set.style.endOf(text, at) > s) return true;
    at = text.indexOf(prefix, at + 1);
  }
  return false;
}

function mergePairs(w: number[]): number[] {
  if (w.length <= 2) return w;
  const idx: number[] = [];
  for (let i = 0; i < w.length; i += 2) idx.push(i);
  idx.sort((x, y) => w[x]! - w[y]!);
  const out: number[] = [];
  for (const i of idx) {
    const a = w[i]!;
    const b = w[i + 1]!;
    if (out.length && a <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, b);
    else out.push(a, b);
  }
  return out;
}

function mergeSpans(spans: Span[]): Span[] {
  if (spans.length <= 1) return spans;
  spans.sort((x, y) => x.start - y.start || y.end - x.end);
  const out: Span[] = [spans[0]!];
  for (let i = 1; i < spans.length; i++) {
    const s = spans[i]!;
    const cur = out[out.length - 1]!;
    if (s.start < cur.end) {
      if (s.end > cur.end) cur.end = s.end;
      if (s.priority < cur.priority) {
        cur.priority = s.priority;
        cur.rule = s.rule;
        if (s.why !== undefined) {
          cur.why = s.why;
          cur.source = s.source;
        }
      }
    } else out.push({ ...s });
  }
  return out;
}

/** Masks every span of a whole, small UTF-8 text (tests, one-off strings); spans are byte offsets. */
export function maskText(set: RuleSet, text: string): { text: string; spans: Span[] } {
  const bytes = Buffer.from(text, 'utf8');
  const spans = scan(set, bytes);
  const parts: Buffer[] = [];
  let at = 0;
  for (const s of spans) {
    parts.push(bytes.subarray(at, s.start), Buffer.from(set.style.text(s.rule), 'latin1'));
    at = s.end;
  }
  parts.push(bytes.subarray(at));
  return { text: Buffer.concat(parts).toString('utf8'), spans };
}
