/**
 * The offset of the first JSON syntax error in `text`, or undefined when it is valid JSON. V8's
 * JSON.parse does not always say where ("Unexpected token '}', ... is not valid JSON"), and a
 * refused document should name its line. Iterative, so any nesting depth is safe.
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  let i = 0;
  const stack: Array<'{' | '['> = [];
  const skip = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++;
  };
  /** Reads one scalar at i; false when there is none. */
  const scalar = (): boolean => {
    const rest = text.slice(i, i + 5);
    for (const word of ['true', 'false', 'null']) {
      if (rest.startsWith(word)) {
        i += word.length;
        return true;
      }
    }
    if (text[i] === '"') return string();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  const string = (): boolean => {
    i++; // opening quote
    while (i < text.length) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return true;
      }
      if (ch < 0x20) return false;
      if (ch === 0x5c) {
        const next = text[i + 1] ?? '';
        if ('"\\/bfnrt'.includes(next) && next !== '') i += 2;
        else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else return false;
      } else {
        i++;
      }
    }
    return false;
  };

  // expect: what may come next — a value, an object key (or "}" when empty), or "," / close.
  let expect: 'value' | 'key-or-close' | 'value-or-close' | 'comma-or-close' = 'value';
  skip();
  for (;;) {
    skip();
    if (expect === 'value' || expect === 'value-or-close') {
      if (expect === 'value-or-close' && text[i] === ']') {
        stack.pop();
        i++;
        expect = 'comma-or-close';
      } else if (text[i] === '{') {
        stack.push('{');
        i++;
        expect = 'key-or-close';
      } else if (text[i] === '[') {
        stack.push('[');
        i++;
        expect = 'value-or-close';
      } else if (scalar()) {
        expect = 'comma-or-close';
      } else {
        return i;
      }
    } else if (expect === 'key-or-close') {
      if (text[i] === '}') {
        stack.pop();
        i++;
        expect = 'comma-or-close';
      } else if (text[i] === '"' && string()) {
        skip();
        if (text[i] !== ':') return i;
        i++;
        expect = 'value';
      } else {
        return i;
      }
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return i < text.length ? i : undefined;
      if (text[i] === ',') {
        i++;
        skip();
        if (top === '{') {
          if (text[i] !== '"' || !string()) return i;
          skip();
          if (text[i] !== ':') return i;
          i++;
        }
        expect = 'value';
      } else if (text[i] === (top === '{' ? '}' : ']')) {
        stack.pop();
        i++;
      } else {
        return i;
      }
    }
  }
}
