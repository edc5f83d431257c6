import { isNode, type Document, type LineCounter } from 'yaml';

export type Locate = (pointer: string) => { line: number; column: number } | undefined;

/** Maps a JSON pointer inside a parsed YAML/JSON document to its line and column. */
export function sourceLocator(doc: Document, lineCounter: LineCounter): Locate {
  return (pointer) => {
    const path = pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointerToken);
    // Walk up to the nearest node that exists, e.g. the parent of a missing property.
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const keys = path.slice(0, depth).map((k) => (/^[0-9]+$/.test(k) ? Number(k) : k));
      const node: unknown = keys.length === 0 ? doc.contents : doc.getIn(keys, true);
      if (isNode(node) && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return { line, column: col };
      }
    }
    return undefined;
  };
}

function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}
