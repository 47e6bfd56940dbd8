import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  RequestParser,
  splitInlineArgs,
  INLINE_BYTES_MAX,
  UNAUTH_BULK_BYTES_MAX,
  type ParserLimits,
} from '../src/protocol/request-parser.js';
import { ProtocolError } from '../src/protocol/errors.js';
import { latin1String } from '../src/protocol/latin1.js';
import { CommandEncoder } from '../src/protocol/command-encoder.js';
import { split } from './helpers/util.js';

const LIMITS: ParserLimits = { bulkBytesMax: 512 * 1024 * 1024, multibulkLenMax: 1024 * 1024 };

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function multibulk(argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
}

interface Outcome {
  commands: string[][];
  error?: unknown;
  pendingBytes: number;
}

function parse(chunks: Buffer[], limits: ParserLimits = LIMITS, authenticated = true): Outcome {
  const p = new RequestParser(limits);
  p.authenticated = authenticated;
  const commands: string[][] = [];
  try {
    for (const c of chunks) p.feed(c, commands);
  } catch (error) {
    return { commands, error, pendingBytes: p.pendingBytes };
  }
  return { commands, pendingBytes: p.pendingBytes };
}

function protocolError(input: string | Buffer, message: string, limits?: ParserLimits, authenticated?: boolean): void {
  const { error } = parse([typeof input === 'string' ? b(input) : input], limits, authenticated);
  assert.ok(error instanceof ProtocolError, `expected ProtocolError, got ${String(error)}`);
  assert.equal(error.message, message);
}

// ---------- arbitraries ----------

/** Binary-safe arguments as byte strings, biased towards CR, LF, NUL, '$', '*' and bytes 0x80-0xff. */
const byteString = fc
  .oneof(
    fc.uint8Array({ maxLength: 30 }),
    fc.array(fc.oneof(fc.constantFrom(13, 10, 0, 0x24, 0x2a, 0x20, 0x22), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 12 })
      .map((a) => Uint8Array.from(a)),
  )
  .map((a) => Buffer.from(a).toString('latin1'));
const command = fc.array(byteString, { minLength: 1, maxLength: 8 });
const cuts = fc.array(fc.nat(), { maxLength: 40 });
/** Inline tokens that need no quoting and do not start a multibulk. */
const safeToken = fc.stringMatching(/^[A-Za-z0-9_.:@!?%&=+-][A-Za-z0-9_.:@!?%&=+*$-]{0,11}$/);
const separator = fc.constantFrom(' ', '  ', '\t', ' \t ');

// ---------- properties ----------

describe('RequestParser: properties', () => {
  test('multibulk commands of random binary arguments survive any split', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 10 }), cuts, (commands, at) => {
        const bytes = b(commands.map(multibulk).join(''));
        const out = parse(split(bytes, at));
        assert.equal(out.error, undefined);
        assert.deepStrictEqual(out.commands, commands);
        assert.equal(out.pendingBytes, 0);
      }),
      { numRuns: 500 },
    );
  });

  test('big arguments (gathered as chunk lists) survive any split', () => {
    const bigArg = fc.integer({ min: 30 * 1024, max: 90 * 1024 }).map((n) => String.fromCharCode(n & 0xff).repeat(n));
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(bigArg, byteString), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        (commands, at) => {
          const bytes = b(commands.map(multibulk).join(''));
          const out = parse(split(bytes, at));
          assert.equal(out.error, undefined);
          assert.deepStrictEqual(out.commands, commands);
          assert.equal(out.pendingBytes, 0);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('inline commands of safe tokens survive any split, mixed with multibulk', () => {
    const inline = fc.tuple(
      fc.array(safeToken, { minLength: 1, maxLength: 6 }),
      fc.array(separator, { minLength: 8, maxLength: 8 }),
      fc.constantFrom('\r\n', '\n'),
      fc.boolean(),
    ).map(([argv, seps, eol, leading]) => ({
      argv,
      text: (leading ? seps[7] : '') + argv.map((a, i) => (i === 0 ? a : seps[i % 7] + a)).join('') + eol,
    }));
    const item = fc.oneof(
      { arbitrary: inline, weight: 3 },
      { arbitrary: command.map((argv) => ({ argv, text: multibulk(argv) })), weight: 1 },
      { arbitrary: fc.constantFrom('\r\n', '\n', '  \r\n').map((text) => ({ argv: [] as string[], text })), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 10 }), cuts, (items, at) => {
        const bytes = b(items.map((i) => i.text).join(''));
        const out = parse(split(bytes, at));
        assert.equal(out.error, undefined);
        assert.deepStrictEqual(out.commands, items.filter((i) => i.argv.length > 0).map((i) => i.argv));
        assert.equal(out.pendingBytes, 0);
      }),
      { numRuns: 400 },
    );
  });

  test('inline arguments of any bytes, double-quoted with escapes, round-trip', () => {
    const quote = (s: string): string =>
      '"' + [...s].map((c) => {
        const code = c.charCodeAt(0);
        if (c === '"' || c === '\\') return '\\' + c;
        return code >= 0x20 && code < 0x7f ? c : '\\x' + code.toString(16).padStart(2, '0');
      }).join('') + '"';
    fc.assert(
      fc.property(fc.array(byteString, { minLength: 1, maxLength: 5 }), cuts, (argv, at) => {
        const bytes = b(`CMD ${argv.map(quote).join(' ')}\r\n`);
        const out = parse(split(bytes, at));
        assert.equal(out.error, undefined);
        assert.deepStrictEqual(out.commands, [['CMD', ...argv]]);
        assert.deepStrictEqual(splitInlineArgs(`x ${argv.map(quote).join(' ')}`), ['x', ...argv]);
      }),
      { numRuns: 300 },
    );
  });

  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc.array(fc.oneof(
      fc.constantFrom(...'*$+\r\n\r\n0123456789-" \'\\x'.split('').map((c) => c.charCodeAt(0))),
      fc.integer({ min: 0, max: 255 }),
    ), { maxLength: 300 }).map((a) => Buffer.from(a)),
    fc.array(fc.constantFrom('*2\r\n', '*1\r\n', '*-1\r\n', '*0\r\n', '*12\r\n', '$3\r\n', '$0\r\n', '$-1\r\n', '$20000\r\n',
      'abc\r\n', 'GET a\r\n', '"x" y\r\n', '\'a\r\n', '\r\n', '\r', '\n', '*', '$', '9', '"'), { maxLength: 40 })
      .map((a) => b(a.join(''))),
  );
  const limitsChoice = fc.constantFrom<ParserLimits>(LIMITS, { bulkBytesMax: 8, multibulkLenMax: 3 });

  test('random bytes in random chunks parse or throw ProtocolError, never anything else', () => {
    fc.assert(
      fc.property(garbage, cuts, limitsChoice, fc.boolean(), (bytes, at, limits, authenticated) => {
        const whole = parse([bytes], limits, authenticated);
        const pieces = parse(split(bytes, at), limits, authenticated);
        for (const r of [whole, pieces]) {
          if (r.error !== undefined) assert.ok(r.error instanceof ProtocolError, `unexpected ${String(r.error)}`);
          assert.ok(r.pendingBytes >= 0 && r.pendingBytes <= bytes.length);
        }
        // The commands found do not depend on the split. (Whether an error is thrown can: with a
        // complete input, the parser may wait for a LF before checking the '$'; see the report.)
        assert.deepStrictEqual(pieces.commands, whole.commands);
        if (whole.error !== undefined && pieces.error !== undefined) {
          assert.equal((pieces.error as Error).message, (whole.error as Error).message);
        }
      }),
      { numRuns: 500 },
    );
  });
});

// ---------- Redis's error texts and edge cases ----------

describe('RequestParser: errors and edge cases', () => {
  test('invalid multibulk length', () => {
    protocolError('*abc\r\n', 'Protocol error: invalid multibulk length');
    protocolError('*\r\n', 'Protocol error: invalid multibulk length');
    protocolError('*+1\r\n', 'Protocol error: invalid multibulk length');
    protocolError('*01\r\n', 'Protocol error: invalid multibulk length');
    protocolError('*-0\r\n', 'Protocol error: invalid multibulk length');
    protocolError('*99999999999999999999\r\n', 'Protocol error: invalid multibulk length');
  });

  test("expected '$'", () => {
    protocolError('*1\r\n+x\r\n', "Protocol error: expected '$', got '+'");
    protocolError('*2\r\n$1\r\na\r\n:1\r\n', "Protocol error: expected '$', got ':'");
    // Reported as soon as the first byte is there, before the rest of the header.
    protocolError('*1\r\nx', "Protocol error: expected '$', got 'x'");
  });

  test('invalid bulk length', () => {
    protocolError('*1\r\n$-5\r\n', 'Protocol error: invalid bulk length');
    protocolError('*1\r\n$-1\r\n', 'Protocol error: invalid bulk length');
    protocolError('*1\r\n$x\r\n', 'Protocol error: invalid bulk length');
    protocolError('*1\r\n$\r\n', 'Protocol error: invalid bulk length');
    const small = { bulkBytesMax: 10, multibulkLenMax: 100 };
    protocolError('*1\r\n$11\r\n', 'Protocol error: invalid bulk length', small);
    assert.deepEqual(parse([b('*1\r\n$10\r\n0123456789\r\n')], small).commands, [['0123456789']]);
  });

  test('multibulk count over multibulkLenMax', () => {
    const small = { bulkBytesMax: 10, multibulkLenMax: 3 };
    protocolError('*4\r\n', 'Protocol error: invalid multibulk length', small);
    assert.deepEqual(parse([b('*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n')], small).commands, [['a', 'b', 'c']]);
    protocolError('a b c d\r\n', 'Protocol error: invalid multibulk length', small);
  });

  test('too big inline request, mbulk count and bulk count strings', () => {
    const atLimit = parse([b('x'.repeat(INLINE_BYTES_MAX))]);
    assert.equal(atLimit.error, undefined);
    assert.equal(atLimit.pendingBytes, INLINE_BYTES_MAX);
    protocolError('x'.repeat(INLINE_BYTES_MAX + 1), 'Protocol error: too big inline request');
    // The same when the line arrives in pieces.
    const pieces = parse([b('GET '), b('x'.repeat(40000)), b('y'.repeat(40000))]);
    assert.ok(pieces.error instanceof ProtocolError);
    assert.equal(pieces.error.message, 'Protocol error: too big inline request');
    protocolError('*' + '1'.repeat(INLINE_BYTES_MAX + 1), 'Protocol error: too big mbulk count string');
    protocolError('*1\r\n$' + '1'.repeat(INLINE_BYTES_MAX + 1), 'Protocol error: too big bulk count string');
  });

  test('unbalanced quotes', () => {
    protocolError('SET "a b\r\n', 'Protocol error: unbalanced quotes in request');
    protocolError("SET 'a b\r\n", 'Protocol error: unbalanced quotes in request');
    protocolError('SET "a"b\r\n', 'Protocol error: unbalanced quotes in request');
    protocolError("SET 'a'b\r\n", 'Protocol error: unbalanced quotes in request');
  });

  test('unauthenticated limits', () => {
    protocolError('*11\r\n', 'Protocol error: unauthenticated multibulk length', LIMITS, false);
    assert.equal(parse([b('*10\r\n')], LIMITS, false).error, undefined);
    assert.equal(parse([b('*11\r\n')], LIMITS, true).error, undefined);
    protocolError(`*1\r\n$${UNAUTH_BULK_BYTES_MAX + 1}\r\n`, 'Protocol error: unauthenticated bulk length', LIMITS, false);
    const atLimit = 'a'.repeat(UNAUTH_BULK_BYTES_MAX);
    assert.deepEqual(parse([b(multibulk(['AUTH', atLimit]))], LIMITS, false).commands, [['AUTH', atLimit]]);
  });

  test('a 1 MB bulk in 1000-byte chunks parses, pendingBytes counts what is buffered', () => {
    const size = 1024 * 1024;
    let value = '';
    for (let i = 0; i < 256; i++) value += String.fromCharCode(i);
    value = value.repeat(size / 256);
    const head = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n';
    const header = `$${size}\r\n`;
    const bytes = b(head + header + value + '\r\n' + 'PING\r\n');
    const p = new RequestParser(LIMITS);
    const out: string[][] = [];
    const started = performance.now();
    for (let i = 0; i < bytes.length; i += 1000) {
      const end = Math.min(i + 1000, bytes.length);
      p.feed(bytes.subarray(i, end), out);
      if (out.length === 0 && end > head.length + header.length) {
        // Everything after the big bulk's header is held until the bulk is complete.
        assert.equal(p.pendingBytes, end - head.length - header.length);
      }
    }
    assert.ok(performance.now() - started < 2000, 'linear time');
    assert.equal(out.length, 2);
    assert.deepEqual(out[0].slice(0, 2), ['SET', 'k']);
    assert.equal(out[0][2].length, size);
    assert.ok(out[0][2] === value, 'payload intact');
    assert.deepEqual(out[1], ['PING']);
    assert.equal(p.pendingBytes, 0);
  });

  test('pendingBytes for partial inline and multibulk commands', () => {
    const p = new RequestParser(LIMITS);
    const out: string[][] = [];
    p.feed(b('GET fo'), out);
    assert.equal(p.pendingBytes, 6);
    p.feed(b('o\r\n*2\r\n$3\r\nGET\r\n$3\r\nba'), out);
    assert.deepEqual(out, [['GET', 'foo']]);
    // Headers and whole arguments are consumed; the partial argument's bytes are pending.
    assert.equal(p.pendingBytes, 2);
    p.feed(b('r\r\n'), out);
    assert.deepEqual(out, [['GET', 'foo'], ['GET', 'bar']]);
    assert.equal(p.pendingBytes, 0);
    p.feed(b('*1\r\n$4\r\nPI'), out);
    p.reset();
    assert.equal(p.pendingBytes, 0);
    p.feed(b('PING\r\n'), out);
    assert.deepEqual(out.at(-1), ['PING']);
  });

  test('empty and negative multibulks and blank lines produce no command', () => {
    assert.deepEqual(parse([b('*0\r\n*-1\r\n\r\n\n   \r\nPING\r\n')]).commands, [['PING']]);
  });

  test('binary arguments and arguments that look like protocol', () => {
    const argv = ['SET', '\r\n*1\r\n$3\r\n', '\0\x80\xff'];
    assert.deepEqual(parse([b(multibulk(argv))]).commands, [argv]);
  });

  test('splitInlineArgs follows sdssplitargs', () => {
    assert.deepEqual(splitInlineArgs('  set  a   b  '), ['set', 'a', 'b']);
    assert.deepEqual(splitInlineArgs('set "a b" \'c d\''), ['set', 'a b', 'c d']);
    assert.deepEqual(splitInlineArgs('"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\"\\q"'), ['AJ\n\r\t\b\x07\\"q']);
    assert.deepEqual(splitInlineArgs("'it\\'s' '\\n'"), ["it's", '\\n']);
    assert.deepEqual(splitInlineArgs('"" \'\''), ['', '']);
    assert.deepEqual(splitInlineArgs('a"b c" d'), ['ab c', 'd']);
    assert.equal(splitInlineArgs('a"b c"d'), null, 'a closing quote must be followed by a space');
    assert.deepEqual(splitInlineArgs('"\\xZZ"'), ['xZZ']);
    assert.deepEqual(splitInlineArgs(''), []);
    assert.equal(splitInlineArgs('"abc'), null);
    assert.equal(splitInlineArgs('"abc"def'), null);
    assert.equal(splitInlineArgs('"abc\\"'), null);
  });
});

describe('latin1String', () => {
  test('equals latin1Slice for every length and byte, at any offset (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat({ max: 40 }), fc.nat({ max: 40 }), (bytes, a, b2) => {
        const buf = Buffer.from(bytes);
        const start = Math.min(a, buf.length);
        const len = Math.min(b2, buf.length - start);
        const s = latin1String(buf, start, len);
        assert.equal(s, buf.latin1Slice(start, start + len));
        assert.equal(s.length, len);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('CommandEncoder', () => {
  test('encodes any argv as RESP multibulk that the parser reads back (property)', () => {
    const arg = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
      fc.integer({ min: 30, max: 300 }).map((n) => 'v'.repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(fc.array(arg, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }), (commands) => {
        const e = new CommandEncoder();
        let counted = 0;
        for (const argv of commands) counted += e.append(argv);
        const bytes = e.take()!;
        assert.equal(bytes.toString('latin1'), commands.map(multibulk).join(''));
        assert.equal(counted, bytes.length);
        assert.deepEqual(parse([bytes]).commands, commands);
      }),
      { numRuns: 500 },
    );
  });
});
