import type { ConfigProblem } from '../config-document.model';
import { ConfigParseError } from '../config-parse-error';
import { formatCidr, type IpFamily, intervalToCidrs, parseCidr, parseIpAddress } from './firewall-address';
import { canonicalProtocol } from './firewall-match';
import {
  CHAIN_TYPES,
  type ChainType,
  FIREWALL_FAMILIES,
  FIREWALL_HOOKS,
  type FirewallChain,
  type FirewallFamily,
  type FirewallHook,
  type FirewallMatch,
  type FirewallRule,
  type FirewallRuleset,
  type FirewallTable,
  type PortRange,
  type RuleAction,
} from './firewall.model';
import { jsonSyntaxErrorOffset } from '../json-syntax';

/**
 * Parses `nft -j list ruleset` output into a FirewallRuleset. Understood: `match` (==, !=, in, and
 * <, >, <=, >= on ports) on ip/ip6 saddr/daddr, ip protocol, ip6 nexthdr, tcp/udp/sctp/th
 * dport/sport, meta l4proto/iifname/oifname/nfproto/protocol, ct state; values, prefixes, ranges,
 * anonymous sets and named sets whose elements the output lists. Verdicts accept, drop, reject,
 * return, jump, goto; counter, log and limit statements. Anything else is kept, rendered, in
 * `match.unsupported`. Each rule's `text` renders it as `nft list ruleset` would (without counter
 * values or handles, so that texts compare across collections).
 */
export function parseNftRuleset(content: string): FirewallRuleset {
  return new NftParser().parse(content);
}

const MAX_PROBLEMS = 20;
/** Nesting beyond this in expressions is not something nft writes; rendered as "…". */
const MAX_DEPTH = 16;

const PRIORITY_NAMES: Readonly<Record<string, number>> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};

const XT_TARGETS: Readonly<Record<string, RuleAction>> = {
  ACCEPT: 'accept',
  DROP: 'drop',
  REJECT: 'reject',
  RETURN: 'return',
  LOG: 'log',
  NFLOG: 'log',
};

/** Statements with side effects only: rendered, never change which packets a rule applies to. */
const SIDE_EFFECTS = new Set([
  'counter',
  'log',
  'mangle',
  'notrack',
  'dnat',
  'snat',
  'masquerade',
  'redirect',
  'set',
]);
const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'sctp', 'udplite', 'dccp', 'th']);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface NamedSet {
  elements?: unknown[];
}

interface TableEntry {
  table: FirewallTable;
  chains: Map<string, FirewallChain>;
  sets: Map<string, NamedSet>;
}

class NftParser {
  private readonly problems: ConfigProblem[] = [];
  private readonly tables = new Map<string, TableEntry>();

  parse(content: string): FirewallRuleset {
    if (content.trim() === '') this.fail('', 'empty document (expected the output of `nft -j list ruleset`)');
    let root: unknown;
    try {
      root = JSON.parse(content);
    } catch (error) {
      const offset = jsonSyntaxErrorOffset(content);
      const line = offset === undefined ? undefined : content.slice(0, offset).split('\n').length;
      const why = error instanceof Error ? error.message : 'syntax error';
      throw new ConfigParseError('nft-ruleset', [
        { ...(line !== undefined ? { line } : { pointer: '' }), reason: `not JSON (${why.slice(0, 120)})` },
      ]);
    }
    if (!isObject(root) || !Array.isArray(root.nftables)) {
      this.fail(
        isObject(root) ? '/nftables' : '',
        'expected an object {"nftables": [...]} (`nft -j list ruleset`)',
      );
    }
    const items = (root as { nftables: unknown[] }).nftables;
    // Tables and sets first, then chains, then rules: references resolve whatever the order.
    for (const pass of ['table', 'set', 'chain', 'rule'] as const) {
      items.forEach((item, k) => {
        if (this.problems.length >= MAX_PROBLEMS) return;
        const pointer = `/nftables/${k}`;
        if (!isObject(item)) {
          if (pass === 'table') this.problem(pointer, 'must be an object such as {"table": {...}}');
          return;
        }
        const kind = pass === 'set' && item.map !== undefined ? 'map' : pass;
        const body = item[kind];
        if (body === undefined) return;
        if (!isObject(body)) {
          this.problem(`${pointer}/${kind}`, 'must be an object');
          return;
        }
        const at = `${pointer}/${kind}`;
        if (pass === 'table') this.table(body, at);
        else if (pass === 'set') this.set(body, at, kind === 'map');
        else if (pass === 'chain') this.chain(body, at);
        else this.rule(body, at);
      });
    }
    if (this.problems.length > 0) {
      // Reported in document order, whichever pass found them.
      const item = (p: ConfigProblem): number =>
        Number(/^\/nftables\/(\d+)/.exec(p.pointer ?? '')?.[1] ?? -1);
      const sorted = [...this.problems].sort((a, b) => item(a) - item(b));
      throw new ConfigParseError('nft-ruleset', sorted.slice(0, MAX_PROBLEMS));
    }
    return { backend: 'nftables', tables: [...this.tables.values()].map((t) => t.table) };
  }

  private fail(pointer: string, reason: string): never {
    throw new ConfigParseError('nft-ruleset', [{ pointer, reason }]);
  }

  private problem(pointer: string, reason: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ pointer, reason });
  }

  private string(body: Json, key: string, at: string, required = true): string | undefined {
    const value = body[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value === '') {
      this.problem(`${at}/${key}`, value === undefined ? 'is required' : 'must be a non-empty string');
      return undefined;
    }
    return value;
  }

  private family(body: Json, at: string): FirewallFamily | undefined {
    const family = this.string(body, 'family', at);
    if (family === undefined) return undefined;
    if (!(FIREWALL_FAMILIES as readonly string[]).includes(family)) {
      this.problem(
        `${at}/family`,
        `unknown family "${clip(family)}" (expected ${FIREWALL_FAMILIES.join(', ')})`,
      );
      return undefined;
    }
    return family as FirewallFamily;
  }

  /** The table an object names with family + table, reporting when there is none. */
  private owner(body: Json, at: string): TableEntry | undefined {
    const family = this.family(body, at);
    const name = this.string(body, 'table', at);
    if (family === undefined || name === undefined) return undefined;
    const entry = this.tables.get(`${family} ${name}`);
    if (!entry) this.problem(`${at}/table`, `no table ${family} ${clip(name)} in the ruleset`);
    return entry;
  }

  private table(body: Json, at: string): void {
    const family = this.family(body, at);
    const name = this.string(body, 'name', at);
    if (family === undefined || name === undefined) return;
    const key = `${family} ${name}`;
    if (this.tables.has(key)) {
      this.problem(at, `table ${clip(key)} listed twice`);
      return;
    }
    this.tables.set(key, { table: { family, name, chains: [] }, chains: new Map(), sets: new Map() });
  }

  private set(body: Json, at: string, isMap: boolean): void {
    const owner = this.owner(body, at);
    const name = this.string(body, 'name', at);
    if (!owner || name === undefined) return;
    const elem = body.elem;
    if (elem !== undefined && !Array.isArray(elem)) {
      this.problem(`${at}/elem`, 'must be an array');
      return;
    }
    // A map's elements are [key, value] pairs: matching on one ("@map") is not modelled.
    owner.sets.set(name, isMap ? {} : { elements: elem });
  }

  private chain(body: Json, at: string): void {
    const owner = this.owner(body, at);
    const name = this.string(body, 'name', at);
    if (!owner || name === undefined) return;
    if (owner.chains.has(name)) {
      this.problem(at, `chain ${clip(name)} listed twice in table ${owner.table.family} ${owner.table.name}`);
      return;
    }
    const chain: FirewallChain = { name, rules: [] };
    const type = this.string(body, 'type', at, false);
    if (type !== undefined) {
      if ((CHAIN_TYPES as readonly string[]).includes(type)) chain.type = type as ChainType;
      else this.problem(`${at}/type`, `unknown chain type "${clip(type)}" (expected filter, nat or route)`);
    }
    const hook = this.string(body, 'hook', at, false);
    if (hook !== undefined) {
      if ((FIREWALL_HOOKS as readonly string[]).includes(hook)) chain.hook = hook as FirewallHook;
      else this.problem(`${at}/hook`, `unknown hook "${clip(hook)}" (expected ${FIREWALL_HOOKS.join(', ')})`);
    }
    const prio = body.prio;
    if (prio !== undefined) {
      const value = typeof prio === 'string' ? PRIORITY_NAMES[prio] : prio;
      if (typeof value === 'number' && Number.isInteger(value)) chain.priority = value;
      else this.problem(`${at}/prio`, 'must be an integer or a standard priority name');
    }
    const policy = body.policy;
    if (policy !== undefined) {
      if (policy === 'accept' || policy === 'drop') {
        if (chain.hook !== undefined) chain.policy = policy;
      } else {
        this.problem(`${at}/policy`, 'must be "accept" or "drop"');
      }
    }
    owner.chains.set(name, chain);
    owner.table.chains.push(chain);
  }

  private rule(body: Json, at: string): void {
    const owner = this.owner(body, at);
    const chainName = this.string(body, 'chain', at);
    if (!owner || chainName === undefined) return;
    const chain = owner.chains.get(chainName);
    if (!chain) {
      this.problem(
        `${at}/chain`,
        `no chain ${clip(chainName)} in table ${owner.table.family} ${owner.table.name}`,
      );
      return;
    }
    if (!Array.isArray(body.expr)) {
      this.problem(`${at}/expr`, body.expr === undefined ? 'is required' : 'must be an array of statements');
      return;
    }
    const comment = body.comment;
    if (comment !== undefined && typeof comment !== 'string') {
      this.problem(`${at}/comment`, 'must be a string');
      return;
    }
    const before = this.problems.length;
    const rule = new RuleBuilder(owner, `${at}/expr`, (pointer, reason) =>
      this.problem(pointer, reason),
    ).build(body.expr, comment);
    if (this.problems.length === before) chain.rules.push(rule);
  }
}

/** Turns one rule's statements into a FirewallRule and its nft-style text. */
class RuleBuilder {
  private readonly match: FirewallMatch = {};
  private readonly unsupported: string[] = [];
  private readonly parts: string[] = [];
  private action: RuleAction | undefined;
  private target: string | undefined;
  private sideEffect: string | undefined;
  private logged = false;

  constructor(
    private readonly owner: TableEntry,
    private readonly at: string,
    private readonly problem: (pointer: string, reason: string) => void,
  ) {}

  build(statements: unknown[], comment: string | undefined): FirewallRule {
    statements.forEach((statement, j) => this.statement(statement, `${this.at}/${j}`));
    if (comment !== undefined) this.parts.push(`comment ${quote(comment)}`);
    if (this.unsupported.length > 0) this.match.unsupported = this.unsupported;
    const rule: FirewallRule = { text: this.parts.join(' '), match: this.match, action: 'other' };
    if (this.action) {
      rule.action = this.action;
      if (this.target !== undefined) rule.target = this.target;
    } else if (this.logged) {
      rule.action = 'log';
    } else if (this.sideEffect !== undefined) {
      rule.target = this.sideEffect;
    }
    if (comment !== undefined) rule.comment = comment;
    return rule;
  }

  private statement(statement: unknown, at: string): void {
    if (!isObject(statement) || Object.keys(statement).length !== 1) {
      this.problem(at, 'must be an object with one statement, such as {"accept": null}');
      return;
    }
    const [key, value] = Object.entries(statement)[0] ?? ['', undefined];
    const here = `${at}/${key}`;
    switch (key) {
      case 'match':
        return this.matchStatement(value, here);
      case 'accept':
      case 'drop':
      case 'return':
        this.parts.push(key);
        return this.verdict(key);
      case 'continue':
        this.parts.push(key);
        return;
      case 'reject': {
        const how = isObject(value) ? value : {};
        const type = typeof how.type === 'string' ? how.type : undefined;
        const expr = typeof how.expr === 'string' ? how.expr : undefined;
        this.parts.push(
          type === undefined
            ? 'reject'
            : type === 'tcp reset'
              ? 'reject with tcp reset'
              : `reject with ${type} ${expr ?? ''}`.trim(),
        );
        return this.verdict('reject');
      }
      case 'jump':
      case 'goto': {
        const target = isObject(value) ? value.target : undefined;
        if (typeof target !== 'string' || target === '') {
          this.problem(`${here}/target`, 'must be the name of a chain');
          return;
        }
        if (!this.owner.chains.has(target)) {
          const table = `${this.owner.table.family} ${this.owner.table.name}`;
          this.problem(`${here}/target`, `no chain ${clip(target)} in table ${table}`);
          return;
        }
        this.parts.push(`${key} ${target}`);
        return this.verdict(key, target);
      }
      case 'limit': {
        const text = renderLimit(value);
        this.parts.push(text);
        this.unsupported.push(text);
        return;
      }
      case 'log': {
        this.parts.push(renderLog(value));
        this.logged = true;
        return;
      }
      case 'xt': {
        const xt = isObject(value) ? value : {};
        const name = typeof xt.name === 'string' ? xt.name : '?';
        const text = `xt ${typeof xt.type === 'string' ? xt.type : '?'} ${name}`;
        this.parts.push(text);
        // iptables-nft rules listed by nft: the match/target options are not in the JSON.
        if (xt.type === 'target' && XT_TARGETS[name]) this.verdict(XT_TARGETS[name] ?? 'other');
        else if (xt.type === 'target') this.verdict('other', name);
        else this.unsupported.push(text);
        return;
      }
      case 'queue':
        this.parts.push(renderGeneric(key, value));
        return this.verdict('other', 'queue');
      default: {
        const text = renderStatement(key, value);
        this.parts.push(text);
        if (key === 'counter') return;
        if (SIDE_EFFECTS.has(key)) this.sideEffect ??= key;
        else this.unsupported.push(text);
      }
    }
  }

  private verdict(action: RuleAction, target?: string): void {
    if (this.action !== undefined) return; // statements after a verdict are never reached
    this.action = action;
    this.target = target;
  }

  private matchStatement(value: unknown, at: string): void {
    if (
      !isObject(value) ||
      typeof value.op !== 'string' ||
      value.left === undefined ||
      value.right === undefined
    ) {
      this.problem(at, 'a match needs "op" (a string), "left" and "right"');
      return;
    }
    const { op, left, right } = value as { op: string; left: unknown; right: unknown };
    const selector = selectorOf(left);
    const text = `${renderSelector(left)} ${op === '==' || op === 'in' ? '' : `${op} `}${renderValue(right, selector.quote)}`;
    this.parts.push(text);
    const negated = op === '!=';
    const positive = op === '==' || op === 'in';
    const keep = (): void => {
      this.unsupported.push(text);
    };
    if (!positive && !negated && !(selector.kind === 'port' && ['<', '>', '<=', '>='].includes(op)))
      return keep();
    const atoms = this.atoms(right);
    if (!atoms) return keep();
    switch (selector.kind) {
      case 'address': {
        const cidrs = this.addresses(atoms, selector.family, `${at}/right`);
        if (!cidrs) return;
        const key = selector.field === 'saddr' ? 'sources' : 'destinations';
        if (this.match[key]) return keep();
        this.match[key] = cidrs;
        if (negated) this.match[key === 'sources' ? 'sourcesNegated' : 'destinationsNegated'] = true;
        return;
      }
      case 'port': {
        const ranges = portRanges(atoms, positive || negated ? '==' : op);
        if (!ranges) return keep();
        const key = selector.field === 'dport' ? 'destinationPorts' : 'sourcePorts';
        if (this.match[key]) return keep();
        if (selector.protocol !== 'th' && !this.setProtocols([selector.protocol], false)) return keep();
        this.match[key] = ranges;
        if (negated)
          this.match[key === 'destinationPorts' ? 'destinationPortsNegated' : 'sourcePortsNegated'] = true;
        return;
      }
      case 'protocol': {
        if (selector.family) this.setFamily(selector.family);
        const names = atoms.map((a) =>
          typeof a === 'string' || typeof a === 'number' ? canonicalProtocol(String(a)) : undefined,
        );
        if (names.some((n) => n === undefined) || !this.setProtocols(names as string[], negated))
          return keep();
        return;
      }
      case 'interface': {
        const names = atoms.map((a) => (typeof a === 'string' ? a.replace(/\*$/, '+') : undefined));
        const key = selector.direction === 'in' ? 'inInterfaces' : 'outInterfaces';
        if (names.some((n) => n === undefined) || this.match[key]) return keep();
        this.match[key] = names as string[];
        if (negated)
          this.match[key === 'inInterfaces' ? 'inInterfacesNegated' : 'outInterfacesNegated'] = true;
        return;
      }
      case 'family': {
        const families = atoms.map((a) => (typeof a === 'string' ? FAMILY_VALUES[a] : undefined));
        const only = families[0];
        if (
          negated ||
          families.length !== 1 ||
          only === undefined ||
          (this.match.family && this.match.family !== only)
        )
          return keep();
        return this.setFamily(only);
      }
      case 'state': {
        const states = atoms.map((a) => (typeof a === 'string' ? a.toLowerCase() : undefined));
        if (states.some((s) => s === undefined) || this.match.states) return keep();
        this.match.states = states as string[];
        if (negated) this.match.statesNegated = true;
        return;
      }
      case 'other':
        return keep();
    }
  }

  private setFamily(family: IpFamily): void {
    if (this.match.family && this.match.family !== family) this.unsupported.push(`meta nfproto ${family}`);
    else this.match.family = family;
  }

  /** Restricts the rule's protocol; false when it already has a different restriction. */
  private setProtocols(names: string[], negated: boolean): boolean {
    const current =
      this.match.protocols ?? (this.match.protocol !== undefined ? [this.match.protocol] : undefined);
    if (current) {
      // `meta l4proto { tcp, udp } tcp dport 22` narrows to tcp; anything else is not modelled.
      if (negated || this.match.protocolNegated) return false;
      const common = current.filter((p) => names.includes(p));
      if (common.length === 0) return false;
      names = common;
    }
    delete this.match.protocol;
    delete this.match.protocols;
    if (names.length === 1) this.match.protocol = names[0];
    else this.match.protocols = names;
    if (negated) this.match.protocolNegated = true;
    return true;
  }

  /** The values a right-hand side stands for, or undefined when it is not a plain list of values. */
  private atoms(right: unknown, depth = 0): Atom[] | undefined {
    if (depth > 2) return undefined;
    if (typeof right === 'string' && right.startsWith('@')) {
      const set = this.owner.sets.get(right.slice(1));
      return set?.elements ? this.atoms({ set: set.elements }, depth + 1) : undefined;
    }
    if (typeof right === 'string' || typeof right === 'number') return [right];
    if (Array.isArray(right)) return this.atoms({ set: right }, depth + 1);
    if (!isObject(right)) return undefined;
    if (isObject(right.prefix) || Array.isArray(right.range)) return [right as Atom];
    if (Array.isArray(right.set)) {
      const out: Atom[] = [];
      for (const raw of right.set as unknown[]) {
        // Elements with timeouts or comments come wrapped: {"elem": {"val": ..., "comment": ...}}.
        const element = isObject(raw) && isObject(raw.elem) ? raw.elem.val : raw;
        if (typeof element === 'string' || typeof element === 'number') out.push(element);
        else if (isObject(element) && (isObject(element.prefix) || Array.isArray(element.range)))
          out.push(element as Atom);
        else return undefined;
      }
      return out;
    }
    return undefined;
  }

  private addresses(atoms: Atom[], family: IpFamily, at: string): string[] | undefined {
    const out: string[] = [];
    const bad = (what: string): undefined => {
      this.problem(
        at,
        `${clip(what)} is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address, prefix or range`,
      );
      return undefined;
    };
    for (const atom of atoms) {
      if (typeof atom === 'string') {
        const cidr = parseCidr(atom);
        if (!cidr || cidr.family !== family) return bad(JSON.stringify(atom));
        out.push(formatCidr(cidr));
      } else if (typeof atom === 'number') {
        return bad(String(atom));
      } else if ('prefix' in atom) {
        const { addr, len } = atom.prefix as { addr?: unknown; len?: unknown };
        const cidr =
          typeof addr === 'string' && typeof len === 'number' ? parseCidr(`${addr}/${len}`) : undefined;
        if (!cidr || cidr.family !== family) return bad(JSON.stringify(atom.prefix));
        out.push(formatCidr(cidr));
      } else {
        const [a, b] = atom.range;
        const from = typeof a === 'string' ? parseIpAddress(a) : undefined;
        const to = typeof b === 'string' ? parseIpAddress(b) : undefined;
        if (!from || !to || from.family !== family || to.family !== family || from.value > to.value)
          return bad(JSON.stringify(atom.range));
        out.push(...intervalToCidrs(family, from.value, to.value));
      }
    }
    return [...new Set(out)];
  }
}

type Atom = string | number | { prefix: unknown } | { range: unknown[] };

const FAMILY_VALUES: Readonly<Record<string, IpFamily>> = {
  ipv4: 'ipv4',
  ipv6: 'ipv6',
  ip: 'ipv4',
  ip6: 'ipv6',
};

type Selector =
  | { kind: 'address'; family: IpFamily; field: 'saddr' | 'daddr'; quote?: false }
  | { kind: 'port'; protocol: string; field: 'dport' | 'sport'; quote?: false }
  | { kind: 'protocol'; family?: IpFamily; quote?: false }
  | { kind: 'interface'; direction: 'in' | 'out'; quote: true }
  | { kind: 'family'; quote?: false }
  | { kind: 'state'; quote?: false }
  | { kind: 'other'; quote?: false };

function selectorOf(left: unknown): Selector {
  if (!isObject(left)) return { kind: 'other' };
  const payload = left.payload;
  if (isObject(payload) && typeof payload.protocol === 'string' && typeof payload.field === 'string') {
    const { protocol, field } = payload as { protocol: string; field: string };
    if ((protocol === 'ip' || protocol === 'ip6') && (field === 'saddr' || field === 'daddr')) {
      return { kind: 'address', family: protocol === 'ip' ? 'ipv4' : 'ipv6', field };
    }
    if (protocol === 'ip' && field === 'protocol') return { kind: 'protocol', family: 'ipv4' };
    if (protocol === 'ip6' && field === 'nexthdr') return { kind: 'protocol', family: 'ipv6' };
    if (PORT_PROTOCOLS.has(protocol) && (field === 'dport' || field === 'sport'))
      return { kind: 'port', protocol, field };
    return { kind: 'other' };
  }
  const meta = left.meta;
  if (isObject(meta) && typeof meta.key === 'string') {
    switch (meta.key) {
      case 'l4proto':
        return { kind: 'protocol' };
      case 'iifname':
        return { kind: 'interface', direction: 'in', quote: true };
      case 'oifname':
        return { kind: 'interface', direction: 'out', quote: true };
      case 'nfproto':
      case 'protocol':
        return { kind: 'family' };
      default:
        return { kind: 'other' };
    }
  }
  const ct = left.ct;
  if (isObject(ct) && ct.key === 'state' && ct.dir === undefined) return { kind: 'state' };
  return { kind: 'other' };
}

function portRanges(atoms: Atom[], op: string): PortRange[] | undefined {
  const port = (value: unknown): number | undefined => {
    const n = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
  };
  if (op !== '==') {
    const n = atoms.length === 1 ? port(atoms[0]) : undefined;
    if (n === undefined) return undefined;
    const range = { '<': [0, n - 1], '<=': [0, n], '>': [n + 1, 65535], '>=': [n, 65535] }[op];
    if (!range || (range[0] ?? 0) > (range[1] ?? 0)) return undefined;
    return [{ from: range[0] ?? 0, to: range[1] ?? 0 }];
  }
  const out: PortRange[] = [];
  for (const atom of atoms) {
    if (typeof atom === 'object' && 'range' in atom) {
      const from = port(atom.range[0]);
      const to = port(atom.range[1]);
      if (from === undefined || to === undefined || from > to) return undefined;
      out.push({ from, to });
    } else {
      const n = port(atom);
      if (n === undefined) return undefined;
      out.push({ from: n, to: n });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rendering, close to `nft list ruleset`.

function renderSelector(left: unknown): string {
  if (isObject(left)) {
    const payload = left.payload;
    if (isObject(payload) && typeof payload.protocol === 'string' && typeof payload.field === 'string') {
      return `${payload.protocol} ${payload.field}`;
    }
    const meta = left.meta;
    if (isObject(meta) && typeof meta.key === 'string') {
      return ['iifname', 'oifname', 'iif', 'oif', 'mark'].includes(meta.key) ? meta.key : `meta ${meta.key}`;
    }
    const ct = left.ct;
    if (isObject(ct) && typeof ct.key === 'string') {
      return typeof ct.dir === 'string' ? `ct ${ct.dir} ${ct.key}` : `ct ${ct.key}`;
    }
  }
  return renderValue(left, false);
}

function renderValue(value: unknown, quoteStrings: boolean | undefined, depth = 0): string {
  if (depth > MAX_DEPTH) return '…';
  if (typeof value === 'string') return quoteStrings && !value.startsWith('@') ? quote(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => renderValue(v, quoteStrings, depth + 1)).join(',');
  if (!isObject(value)) return '';
  if (isObject(value.prefix))
    return `${renderValue(value.prefix.addr, false, depth + 1)}/${renderValue(value.prefix.len, false, depth + 1)}`;
  if (Array.isArray(value.range)) {
    return value.range.map((v) => renderValue(v, quoteStrings, depth + 1)).join('-');
  }
  if (Array.isArray(value.set)) {
    return `{ ${value.set.map((v) => renderValue(v, quoteStrings, depth + 1)).join(', ')} }`;
  }
  if (isObject(value.elem)) return renderValue(value.elem.val, quoteStrings, depth + 1);
  return renderGeneric('', value, depth + 1);
}

function renderLimit(value: unknown): string {
  const limit = isObject(value) ? value : {};
  const over = limit.inv === true ? 'over ' : '';
  const unit =
    typeof limit.rate_unit === 'string' && limit.rate_unit !== 'packets' ? ` ${limit.rate_unit}` : '';
  const burst = typeof limit.burst === 'number' && limit.burst !== 5 ? ` burst ${limit.burst} packets` : '';
  return `limit rate ${over}${renderValue(limit.rate, false)}${unit}/${renderValue(limit.per, false)}${burst}`;
}

function renderLog(value: unknown): string {
  const log = isObject(value) ? value : {};
  const parts = ['log'];
  if (typeof log.prefix === 'string') parts.push(`prefix ${quote(log.prefix)}`);
  if (log.level !== undefined) parts.push(`level ${renderValue(log.level, false)}`);
  if (log.group !== undefined) parts.push(`group ${renderValue(log.group, false)}`);
  return parts.join(' ');
}

function renderStatement(key: string, value: unknown): string {
  if (key === 'counter') return 'counter';
  if ((key === 'dnat' || key === 'snat') && isObject(value)) {
    const addr = value.addr !== undefined ? renderValue(value.addr, false) : '';
    const port = value.port !== undefined ? `:${renderValue(value.port, false)}` : '';
    return `${key} to ${addr}${port}`;
  }
  return renderGeneric(key, value);
}

function renderGeneric(key: string, value: unknown, depth = 0): string {
  if (value === null || value === undefined) return key;
  let json: string;
  try {
    json = depth > MAX_DEPTH ? '…' : JSON.stringify(value);
  } catch {
    json = '…';
  }
  const text = `${key} ${json}`.trim();
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
