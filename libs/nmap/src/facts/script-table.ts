import type { ScriptElement, ScriptResult, ScriptTable } from '@driftwatch/core';

/** Read helpers over NSE structured output (<elem>/<table>), which nests by key. */
export type ScriptNode = Pick<ScriptTable, 'elems' | 'tables'>;

export function table(node: ScriptNode | undefined, key: string): ScriptTable | undefined {
  return node?.tables.find((t) => t.key === key);
}

export function elem(node: ScriptNode | undefined, key: string): string | undefined {
  return node?.elems.find((e: ScriptElement) => e.key === key)?.value;
}

/** The unkeyed <elem> values of a table: nmap's lists. */
export function values(node: ScriptNode | undefined): string[] {
  return node?.elems.filter((e) => e.key === undefined).map((e) => e.value) ?? [];
}

export function keyedElems(node: ScriptNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of node?.elems ?? []) if (e.key !== undefined) out[e.key] = e.value;
  return out;
}

export function script(scripts: readonly ScriptResult[], id: string): ScriptResult | undefined {
  return scripts.find((s) => s.id === id);
}

/** NSE reports a script failure as output beginning "ERROR:" with no structured content. */
export function scriptError(result: ScriptResult | undefined): string | undefined {
  if (!result) return undefined;
  const text = result.output.trim();
  return /^ERROR\b/.test(text) && result.elems.length === 0 && result.tables.length === 0 ? text : undefined;
}
