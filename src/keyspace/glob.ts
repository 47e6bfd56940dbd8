/**
 * Glob matching with Redis's stringmatchlen rules: `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes,
 * optional case folding. Works on byte strings. Recursion on `*` is bounded by a nesting limit,
 * as Redis 7 bounds it, so a hostile pattern cannot blow the stack.
 */

const NESTING_MAX = 1000;

export function globMatch(pattern: string, text: string, nocase = false): boolean {
  return match(pattern, 0, text, 0, nocase, 0) === 1;
}

/** 1 match, 0 no match, -1 no match and no later `*` can help (skip-longer optimization). */
function match(p: string, pi: number, s: string, si: number, nocase: boolean, nesting: number): number {
  if (nesting > NESTING_MAX) return -1;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p[pi];
    switch (pc) {
      case '*': {
        while (pi + 1 < plen && p[pi + 1] === '*') pi++;
        if (pi + 1 === plen) return 1;
        for (let k = si; k < slen; k++) {
          const r = match(p, pi + 1, s, k, nocase, nesting + 1);
          if (r === 1) return 1;
          if (r === -1) return -1;
        }
        return -1;
      }
      case '?':
        si++;
        break;
      case '[': {
        pi++;
        const not = p[pi] === '^';
        if (not) pi++;
        let matched = false;
        for (;;) {
          if (pi >= plen) {
            pi--;
            break;
          }
          if (p[pi] === '\\' && pi + 1 < plen) {
            pi++;
            if (eq(p[pi], s[si], nocase)) matched = true;
          } else if (p[pi] === ']') {
            break;
          } else if (pi + 2 < plen && p[pi + 1] === '-') {
            let start = code(p[pi], nocase);
            let end = code(p[pi + 2], nocase);
            const c = code(s[si], nocase);
            if (start > end) [start, end] = [end, start];
            pi += 2;
            if (c >= start && c <= end) matched = true;
          } else if (eq(p[pi], s[si], nocase)) {
            matched = true;
          }
          pi++;
        }
        if (not) matched = !matched;
        if (!matched) return 0;
        si++;
        break;
      }
      default:
        if (pc === '\\' && pi + 1 < plen) pi++;
        if (!eq(p[pi], s[si], nocase)) return 0;
        si++;
        break;
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p[pi] === '*') pi++;
      break;
    }
  }
  return pi === plen && si === slen ? 1 : 0;
}

function code(c: string, nocase: boolean): number {
  const n = c.charCodeAt(0);
  return nocase && n >= 65 && n <= 90 ? n + 32 : n;
}

function eq(a: string, b: string, nocase: boolean): boolean {
  return a === b || (nocase && code(a, true) === code(b, true));
}
