import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RespDecoder, RespDecodeError, type RespValue, type RespMap, type RespDecoderLimits } from '../src/protocol/resp-decoder.js';
import { ReplyWriter } from '../src/protocol/reply-writer.js';
import { split } from './helpers/util.js';

// ---------- helpers ----------

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Decodes `input` fed as the given chunks; returns the values and the error thrown, if any. */
function decode(chunks: Buffer[], limits?: Partial<RespDecoderLimits>): { values: RespValue[]; error?: unknown } {
  const d = new RespDecoder(limits);
  const values: RespValue[] = [];
  let error: unknown;
  try {
    for (const c of chunks) d.feed(c);
  } catch (err) {
    error = err;
  }
  for (let v = d.next(); v !== undefined; v = d.next()) values.push(v);
  return error === undefined ? { values } : { values, error };
}

function one(input: string, limits?: Partial<RespDecoderLimits>): RespValue {
  const { values, error } = decode([b(input)], limits);
  if (error) throw error;
  assert.equal(values.length, 1, `expected one value from ${JSON.stringify(input)}`);
  return values[0];
}

function rejects(input: string | Buffer, pattern: RegExp, limits?: Partial<RespDecoderLimits>): void {
  const { error } = decode([typeof input === 'string' ? b(input) : input], limits);
  assert.ok(error instanceof RespDecodeError, `expected RespDecodeError for ${JSON.stringify(String(input))}, got ${String(error)}`);
  assert.match(error.message, pattern);
}

/** A test-local encoder covering every type, RESP2 nulls and attributes. */
function encode(v: RespValue): Buffer {
  const parts: string[] = [];
  const put = (x: RespValue): void => {
    if (x.attributes) {
      parts.push(`|${x.attributes.length}\r\n`);
      for (const [k, val] of x.attributes) { put(k); put(val); }
    }
    switch (x.type) {
      case 'simple': parts.push(`+${x.value}\r\n`); break;
      case 'error': parts.push(`-${x.value}\r\n`); break;
      case 'integer': parts.push(`:${x.value}\r\n`); break;
      case 'bulk':
        parts.push(x.value === null ? '$-1\r\n' : `$${x.value.length}\r\n${x.value.toString('latin1')}\r\n`);
        break;
      case 'blobError': parts.push(`!${x.value.length}\r\n${x.value.toString('latin1')}\r\n`); break;
      case 'verbatim': parts.push(`=${x.value.length + 4}\r\n${x.format}:${x.value.toString('latin1')}\r\n`); break;
      case 'null': parts.push('_\r\n'); break;
      case 'double': {
        const d = x.value;
        const text = Number.isNaN(d) ? 'nan' : d === Infinity ? 'inf' : d === -Infinity ? '-inf' : Object.is(d, -0) ? '-0' : String(d);
        parts.push(`,${text}\r\n`);
        break;
      }
      case 'boolean': parts.push(x.value ? '#t\r\n' : '#f\r\n'); break;
      case 'bigNumber': parts.push(`(${x.value}\r\n`); break;
      case 'array':
        if (x.value === null) { parts.push('*-1\r\n'); break; }
        parts.push(`*${x.value.length}\r\n`);
        x.value.forEach(put);
        break;
      case 'set': parts.push(`~${x.value.length}\r\n`); x.value.forEach(put); break;
      case 'push': parts.push(`>${x.value.length}\r\n`); x.value.forEach(put); break;
      case 'map':
        parts.push(`%${x.value.length}\r\n`);
        for (const [k, val] of x.value) { put(k); put(val); }
        break;
    }
  };
  put(v);
  return b(parts.join(''));
}

/** Encodes with the server's ReplyWriter in RESP3 (types it can produce only). */
function writeReply(w: ReplyWriter, v: RespValue): void {
  switch (v.type) {
    case 'simple': w.simple(v.value); break;
    case 'error': w.error(v.value); break;
    case 'integer': w.integer(v.value); break;
    case 'bulk': if (v.value === null) w.null(); else w.bulk(v.value.toString('latin1')); break;
    case 'verbatim': w.verbatim(v.value.toString('latin1'), v.format); break;
    case 'null': w.null(); break;
    case 'double': w.double(v.value); break;
    case 'boolean': w.bool(v.value); break;
    case 'bigNumber': w.bigNumber(String(v.value)); break;
    case 'array': w.arrayLen(v.value!.length); v.value!.forEach((x) => writeReply(w, x)); break;
    case 'set': w.setLen(v.value.length); v.value.forEach((x) => writeReply(w, x)); break;
    case 'push': w.pushLen(v.value.length); v.value.forEach((x) => writeReply(w, x)); break;
    case 'map':
      w.mapLen(v.value.length);
      for (const [k, x] of v.value) { writeReply(w, k); writeReply(w, x); }
      break;
    default: throw new Error(`ReplyWriter cannot write ${v.type}`);
  }
}

// ---------- arbitraries ----------

const anyByte = fc.integer({ min: 0, max: 255 });
/** Binary payloads, biased towards CR, LF, NUL and high bytes. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.array(fc.constantFrom(13, 10, 0, 0x80, 0xff, 0x24, 0x2a, 0x61), { maxLength: 20 }).map((a) => Uint8Array.from(a)),
).map((a) => Buffer.from(a));
/** A line's text: any byte but CR and LF, as a byte string. */
const lineText = fc.string({
  unit: anyByte.filter((c) => c !== 13 && c !== 10).map((c) => String.fromCharCode(c)),
  maxLength: 20,
});
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const integerValue = fc
  .oneof(
    fc.integer(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.constantFrom(MAX_SAFE, MAX_SAFE + 1n, MIN_SAFE, MIN_SAFE - 1n, 0n),
  )
  .map((n) => (typeof n === 'bigint' && n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n));
const format = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: 3, maxLength: 3 });

function scalar(full: boolean): fc.Arbitrary<RespValue> {
  const common: fc.Arbitrary<RespValue>[] = [
    lineText.map((value) => ({ type: 'simple', value })),
    lineText.map((value) => ({ type: 'error', value })),
    integerValue.map((value) => ({ type: 'integer', value })),
    payload.map((value) => ({ type: 'bulk', value })),
    fc.constant({ type: 'null' }),
    fc.double().map((value) => ({ type: 'double', value })),
    fc.boolean().map((value) => ({ type: 'boolean', value })),
    fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((value) => ({ type: 'bigNumber', value })),
    fc.tuple(format, payload).map(([f, value]) => ({ type: 'verbatim', format: f, value })),
  ];
  if (!full) return fc.oneof(...common);
  return fc.oneof(
    ...common,
    payload.map((value): RespValue => ({ type: 'blobError', value })),
    fc.constant<RespValue>({ type: 'bulk', value: null }),
    fc.constant<RespValue>({ type: 'array', value: null }),
  );
}

/** Random nested values; `full` adds what only the local encoder writes (blob errors, RESP2 nulls, attributes). */
function value(depth: number, full: boolean): fc.Arbitrary<RespValue> {
  const leaf = scalar(full);
  let arb: fc.Arbitrary<RespValue> = leaf;
  if (depth > 0) {
    const inner = value(depth - 1, full);
    const items = fc.array(inner, { maxLength: 4 });
    arb = fc.oneof(
      { arbitrary: leaf, weight: 3 },
      { arbitrary: items.map((value): RespValue => ({ type: 'array', value })), weight: 1 },
      { arbitrary: items.map((value): RespValue => ({ type: 'set', value })), weight: 1 },
      { arbitrary: items.map((value): RespValue => ({ type: 'push', value })), weight: 1 },
      {
        arbitrary: fc.array(fc.tuple(inner, inner), { maxLength: 3 }).map((value): RespValue => ({ type: 'map', value })),
        weight: 1,
      },
    );
  }
  if (!full) return arb;
  const attrs: fc.Arbitrary<RespMap> = fc.array(fc.tuple(leaf, leaf), { maxLength: 2 });
  return fc.tuple(arb, fc.option(attrs, { freq: 6 })).map(([v, a]) => (a === null ? v : { ...v, attributes: a }));
}

const cuts = fc.array(fc.nat(), { maxLength: 30 });
const respBytes = fc.array(
  fc.oneof(
    { arbitrary: anyByte, weight: 2 },
    { arbitrary: fc.constantFrom(...'+-:$!=*~>%|_,#(\r\n0123456789-tf.x:'.split('').map((c) => c.charCodeAt(0))), weight: 3 },
  ),
  { maxLength: 200 },
).map((a) => Buffer.from(a));
const respTokens = fc
  .array(fc.constantFrom('*2\r\n', '*-1\r\n', '$3\r\n', '$-1\r\n', 'abc\r\n', '%1\r\n', '|1\r\n', '~1\r\n', '>2\r\n',
    '=5\r\n', 'txt:a\r\n', '!2\r\n', ':1\r\n', ',1.5\r\n', '#t\r\n', '(12\r\n', '_\r\n', '+OK\r\n', '-ERR\r\n',
    '\r\n', '\r', '\n', '*', '$', '0', '9'), { maxLength: 30 })
  .map((a) => b(a.join('')));

// ---------- unit tests ----------

describe('RespDecoder: one test per type', () => {
  test('simple string and error', () => {
    assert.deepEqual(one('+OK\r\n'), { type: 'simple', value: 'OK' });
    assert.deepEqual(one('+\r\n'), { type: 'simple', value: '' });
    assert.deepEqual(one('-ERR unknown command\r\n'), { type: 'error', value: 'ERR unknown command' });
    assert.deepEqual(one('+caf\xe9\r\n'), { type: 'simple', value: 'caf\xe9' }, 'byte string, one char per byte');
  });

  test('integer: number when safe, bigint outside the safe range', () => {
    assert.deepEqual(one(':0\r\n'), { type: 'integer', value: 0 });
    assert.deepEqual(one(':-0\r\n'), { type: 'integer', value: 0 });
    assert.deepEqual(one(':-42\r\n'), { type: 'integer', value: -42 });
    assert.deepEqual(one(':+7\r\n'), { type: 'integer', value: 7 });
    assert.deepEqual(one(':9007199254740991\r\n'), { type: 'integer', value: 9007199254740991 });
    assert.deepEqual(one(':9007199254740992\r\n'), { type: 'integer', value: 9007199254740992n });
    assert.deepEqual(one(':-9223372036854775808\r\n'), { type: 'integer', value: -9223372036854775808n });
    rejects(':\r\n', /invalid integer/);
    rejects(':12a\r\n', /invalid integer/);
    rejects(':1.5\r\n', /invalid integer/);
  });

  test('bulk string, empty, null, binary', () => {
    assert.deepEqual(one('$3\r\nfoo\r\n'), { type: 'bulk', value: b('foo') });
    assert.deepEqual(one('$0\r\n\r\n'), { type: 'bulk', value: b('') });
    assert.deepEqual(one('$-1\r\n'), { type: 'bulk', value: null });
    assert.deepEqual(one('$6\r\n\r\n\0\xff\x80\n\r\n'), { type: 'bulk', value: b('\r\n\0\xff\x80\n') });
    rejects('$-2\r\n', /invalid length/);
    rejects('$abc\r\n', /invalid length/);
    rejects('$3\r\nfooXY', /not terminated by CRLF/);
    rejects('$3\r\nfoo\n\r', /not terminated by CRLF/);
  });

  test('array: nested, empty, RESP2 null', () => {
    assert.deepEqual(one('*2\r\n$1\r\na\r\n:1\r\n'), {
      type: 'array',
      value: [{ type: 'bulk', value: b('a') }, { type: 'integer', value: 1 }],
    });
    assert.deepEqual(one('*0\r\n'), { type: 'array', value: [] });
    assert.deepEqual(one('*-1\r\n'), { type: 'array', value: null });
    assert.deepEqual(one('*2\r\n*1\r\n*0\r\n*-1\r\n'), {
      type: 'array',
      value: [{ type: 'array', value: [{ type: 'array', value: [] }] }, { type: 'array', value: null }],
    });
    rejects('*-2\r\n', /invalid length/);
  });

  test('RESP3 null', () => {
    assert.deepEqual(one('_\r\n'), { type: 'null' });
    rejects('_x\r\n', /invalid null/);
  });

  test('double: decimals, exponents, inf, -inf, nan', () => {
    assert.deepEqual(one(',1.5\r\n'), { type: 'double', value: 1.5 });
    assert.deepEqual(one(',-0\r\n'), { type: 'double', value: -0 });
    assert.deepEqual(one(',10\r\n'), { type: 'double', value: 10 });
    assert.deepEqual(one(',.5\r\n'), { type: 'double', value: 0.5 });
    assert.deepEqual(one(',1.0000000000000001e+300\r\n'), { type: 'double', value: 1e300 });
    assert.deepEqual(one(',0.10000000000000001\r\n'), { type: 'double', value: 0.1 });
    assert.deepEqual(one(',inf\r\n'), { type: 'double', value: Infinity });
    assert.deepEqual(one(',-inf\r\n'), { type: 'double', value: -Infinity });
    const nan = one(',nan\r\n');
    assert.equal(nan.type, 'double');
    assert.ok(nan.type === 'double' && Number.isNaN(nan.value));
    rejects(',abc\r\n', /invalid double/);
    rejects(',1.5x\r\n', /invalid double/);
    rejects(',\r\n', /invalid double/);
    rejects(',0x10\r\n', /invalid double/);
  });

  test('boolean', () => {
    assert.deepEqual(one('#t\r\n'), { type: 'boolean', value: true });
    assert.deepEqual(one('#f\r\n'), { type: 'boolean', value: false });
    rejects('#x\r\n', /invalid boolean/);
    rejects('#true\r\n', /invalid boolean/);
  });

  test('big number', () => {
    assert.deepEqual(one('(3492890328409238509324850943850943825024385\r\n'), {
      type: 'bigNumber',
      value: 3492890328409238509324850943850943825024385n,
    });
    assert.deepEqual(one('(-12\r\n'), { type: 'bigNumber', value: -12n });
    rejects('(\r\n', /invalid big number/);
    rejects('(1e5\r\n', /invalid big number/);
  });

  test('verbatim string keeps its format', () => {
    assert.deepEqual(one('=15\r\ntxt:Some string\r\n'), { type: 'verbatim', format: 'txt', value: b('Some string') });
    assert.deepEqual(one('=4\r\nmkd:\r\n'), { type: 'verbatim', format: 'mkd', value: b('') });
    rejects('=3\r\ntxt\r\n', /no format/);
    rejects('=5\r\ntxt;a\r\n', /fmt:/);
  });

  test('map, set, push', () => {
    assert.deepEqual(one('%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n'), {
      type: 'map',
      value: [
        [{ type: 'simple', value: 'first' }, { type: 'integer', value: 1 }],
        [{ type: 'simple', value: 'second' }, { type: 'integer', value: 2 }],
      ],
    });
    assert.deepEqual(one('%0\r\n'), { type: 'map', value: [] });
    assert.deepEqual(one('~2\r\n+a\r\n#t\r\n'), {
      type: 'set',
      value: [{ type: 'simple', value: 'a' }, { type: 'boolean', value: true }],
    });
    assert.deepEqual(one('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n'), {
      type: 'push',
      value: [{ type: 'bulk', value: b('message') }, { type: 'bulk', value: b('ch') }, { type: 'bulk', value: b('hi') }],
    });
    rejects('%-1\r\n', /invalid length/);
    rejects('~-1\r\n', /invalid length/);
  });

  test('attributes are attached to the value that follows (spec example)', () => {
    const v = one('|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n');
    assert.deepEqual(v, {
      type: 'array',
      value: [{ type: 'integer', value: 2039123 }, { type: 'integer', value: 9543892 }],
      attributes: [[
        { type: 'simple', value: 'key-popularity' },
        {
          type: 'map',
          value: [
            [{ type: 'bulk', value: b('a') }, { type: 'double', value: 0.1923 }],
            [{ type: 'bulk', value: b('b') }, { type: 'double', value: 0.0012 }],
          ],
        },
      ]],
    });
  });

  test('an attribute inside an aggregate is not counted as an element', () => {
    assert.deepEqual(one('*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n'), {
      type: 'array',
      value: [
        { type: 'integer', value: 1 },
        { type: 'integer', value: 2, attributes: [[{ type: 'simple', value: 'ttl' }, { type: 'integer', value: 3600 }]] },
      ],
    });
    // Two attributes in a row merge; an empty attribute attaches an empty list.
    assert.deepEqual(one('|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n_\r\n'), {
      type: 'null',
      attributes: [
        [{ type: 'simple', value: 'a' }, { type: 'integer', value: 1 }],
        [{ type: 'simple', value: 'b' }, { type: 'integer', value: 2 }],
      ],
    });
    assert.deepEqual(one('|0\r\n#t\r\n'), { type: 'boolean', value: true, attributes: [] });
  });

  test('blob error', () => {
    assert.deepEqual(one('!21\r\nSYNTAX invalid syntax\r\n'), { type: 'blobError', value: b('SYNTAX invalid syntax') });
    assert.deepEqual(one('!0\r\n\r\n'), { type: 'blobError', value: b('') });
    rejects('!-1\r\n', /invalid length/);
  });
});

describe('RespDecoder: streaming, limits, errors', () => {
  test('several values in one chunk come out in order, with stream offsets', () => {
    const d = new RespDecoder();
    d.feed(b('+OK\r\n:1\r\n$3\r\nfoo\r\n*1\r\n'));
    assert.deepEqual(d.next(), { type: 'simple', value: 'OK' });
    assert.equal(d.offset, 5);
    assert.deepEqual(d.next(), { type: 'integer', value: 1 });
    assert.equal(d.offset, 9);
    assert.deepEqual(d.next(), { type: 'bulk', value: b('foo') });
    assert.equal(d.offset, 18);
    assert.equal(d.next(), undefined, 'the array is not complete');
    assert.equal(d.pendingBytes, 0, 'its header was consumed');
    d.feed(b('_\r'));
    assert.equal(d.next(), undefined);
    assert.equal(d.pendingBytes, 2);
    d.feed(b('\n'));
    assert.deepEqual(d.next(), { type: 'array', value: [{ type: 'null' }] });
    assert.equal(d.offset, 25);
    assert.equal(d.next(), undefined);
  });

  test('every byte fed on its own', () => {
    const input = b('*3\r\n$5\r\nhello\r\n%1\r\n+k\r\n,-1.5e-3\r\n=7\r\ntxt:abc\r\n');
    const { values, error } = decode([...input].map((x) => Buffer.from([x])));
    assert.equal(error, undefined);
    assert.deepEqual(values, [{
      type: 'array',
      value: [
        { type: 'bulk', value: b('hello') },
        { type: 'map', value: [[{ type: 'simple', value: 'k' }, { type: 'double', value: -1.5e-3 }]] },
        { type: 'verbatim', format: 'txt', value: b('abc') },
      ],
    }]);
  });

  test('payloads are copies: reusing a fed chunk does not change decoded values', () => {
    const chunk = b('$3\r\nabc\r\n');
    const d = new RespDecoder();
    d.feed(chunk);
    chunk.fill(0x7a);
    assert.deepEqual(d.next(), { type: 'bulk', value: b('abc') });
  });

  test('a 4 MB bulk in 1000-byte chunks decodes in linear time', () => {
    const size = 4 * 1024 * 1024;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    const input = Buffer.concat([b(`*2\r\n$${size}\r\n`), data, b('\r\n:7\r\n')]);
    const d = new RespDecoder();
    const started = performance.now();
    let maxPending = 0;
    for (let i = 0; i < input.length; i += 1000) {
      d.feed(input.subarray(i, i + 1000));
      maxPending = Math.max(maxPending, d.pendingBytes);
    }
    const elapsed = performance.now() - started;
    const v = d.next();
    assert.ok(v && v.type === 'array' && v.value !== null);
    assert.equal(v.value.length, 2);
    const bulk = v.value[0];
    assert.ok(bulk.type === 'bulk' && bulk.value !== null);
    assert.ok(bulk.value.equals(data), 'payload intact');
    assert.deepEqual(v.value[1], { type: 'integer', value: 7 });
    assert.ok(maxPending > size - 1000, `pendingBytes counted the gathered chunks (max ${maxPending})`);
    assert.equal(d.pendingBytes, 0);
    assert.ok(elapsed < 3000, `took ${elapsed.toFixed(0)} ms: quadratic re-copying?`);
  });

  test('a long simple string in 100-byte chunks decodes in linear time', () => {
    const text = 'x'.repeat(1024 * 1024);
    const input = b(`+${text}\r\n`);
    const d = new RespDecoder();
    const started = performance.now();
    for (let i = 0; i < input.length; i += 100) d.feed(input.subarray(i, i + 100));
    assert.ok(performance.now() - started < 3000);
    assert.deepEqual(d.next(), { type: 'simple', value: text });
  });

  test('limits: bulk length, aggregate length, depth, line length', () => {
    rejects('$11\r\n', /bulk length 11 over the limit of 10/, { bulkBytesMax: 10 });
    assert.deepEqual(one('$10\r\n0123456789\r\n', { bulkBytesMax: 10 }), { type: 'bulk', value: b('0123456789') });
    rejects('!11\r\n', /over the limit/, { bulkBytesMax: 10 });
    rejects('=11\r\n', /over the limit/, { bulkBytesMax: 10 });
    rejects('*4\r\n', /aggregate length 4 over the limit of 3/, { aggregateLenMax: 3 });
    rejects('%4\r\n', /aggregate length/, { aggregateLenMax: 3 });
    rejects('|4\r\n', /aggregate length/, { aggregateLenMax: 3 });
    assert.equal(one('*3\r\n:1\r\n:2\r\n:3\r\n', { aggregateLenMax: 3 }).type, 'array');
    assert.equal(one('*1\r\n*1\r\n*0\r\n', { depthMax: 3 }).type, 'array');
    rejects('*1\r\n*1\r\n*1\r\n*0\r\n', /nested deeper than 3/, { depthMax: 3 });
    rejects('|1\r\n%1\r\n~1\r\n>0\r\n', /nested deeper than 3/, { depthMax: 3 });
    assert.deepEqual(one('+12345678\r\n', { lineBytesMax: 8 }), { type: 'simple', value: '12345678' });
    rejects('+123456789\r\n', /line longer than 8 bytes/, { lineBytesMax: 8 });
    rejects('+1234567890', /line longer than 8 bytes/, { lineBytesMax: 8 });
    const { error } = decode([b('+12345678'), b('\r')], { lineBytesMax: 8 });
    assert.equal(error, undefined, 'a line exactly at the limit may still be waiting for its LF');
    // The default limits are Redis's.
    assert.equal(new RespDecoder().limits.bulkBytesMax, 512 * 1024 * 1024);
  });

  test('malformed input', () => {
    rejects('?\r\n', /unknown RESP type byte 0x3f/);
    rejects('\r\n', /unknown RESP type byte 0x0d/);
    rejects('OK\r\n', /unknown RESP type byte 0x4f/);
    rejects('+OK\n', /not terminated by CRLF/);
    rejects('+O\rK\r\n', /not terminated by CRLF/);
    rejects('*1\r\n$1\r\na\r\nX', /unknown RESP type/);
  });

  test('after an error the decoder stays failed, values decoded before it can still be taken', () => {
    const d = new RespDecoder();
    assert.throws(() => d.feed(b(':1\r\n?')), RespDecodeError);
    assert.throws(() => d.feed(b('+OK\r\n')), RespDecodeError);
    assert.deepEqual(d.next(), { type: 'integer', value: 1 });
    assert.equal(d.next(), undefined);
  });
});

// ---------- property tests ----------

describe('RespDecoder: properties', () => {
  test('ReplyWriter (RESP3) output split at random positions decodes to the written values', () => {
    fc.assert(
      fc.property(fc.array(value(3, false), { minLength: 1, maxLength: 5 }), cuts, (values, at) => {
        const w = new ReplyWriter();
        w.resp = 3;
        const ends: number[] = [];
        for (const v of values) {
          writeReply(w, v);
          ends.push(w.pendingBytes);
        }
        const bytes = Buffer.concat(w.take() ?? []);
        const d = new RespDecoder();
        for (const chunk of split(bytes, at)) d.feed(chunk);
        for (let i = 0; i < values.length; i++) {
          assert.deepStrictEqual(d.next(), values[i]);
          assert.equal(d.offset, ends[i]);
        }
        assert.equal(d.next(), undefined);
        assert.equal(d.pendingBytes, 0);
      }),
      { numRuns: 400 },
    );
  });

  test('every type (blob errors, RESP2 nulls, attributes) round-trips through any split', () => {
    fc.assert(
      fc.property(fc.array(value(3, true), { minLength: 1, maxLength: 5 }), cuts, (values, at) => {
        const bytes = Buffer.concat(values.map(encode));
        const { values: got, error } = decode(split(bytes, at));
        assert.equal(error, undefined);
        assert.deepStrictEqual(got, values);
      }),
      { numRuns: 400 },
    );
  });

  test('big payloads (gathered as chunk lists) round-trip through any split', () => {
    const big = fc.integer({ min: 30 * 1024, max: 100 * 1024 }).map((n) => Buffer.alloc(n, n & 0xff));
    fc.assert(
      fc.property(
        fc.array(fc.oneof(
          big.map((value): RespValue => ({ type: 'bulk', value })),
          big.map((value): RespValue => ({ type: 'blobError', value })),
          big.map((value): RespValue => ({ type: 'verbatim', format: 'txt', value })),
          fc.integer({ min: 30 * 1024, max: 70 * 1024 }).map((n): RespValue => ({ type: 'simple', value: 's'.repeat(n) })),
          scalar(true),
        ), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (values, at) => {
          const bytes = Buffer.concat(values.map(encode));
          const { values: got, error } = decode(split(bytes, at));
          assert.equal(error, undefined);
          assert.deepStrictEqual(got, values);
        },
      ),
      { numRuns: 60 },
    );
  });

  const limitsChoice = fc.constantFrom<Partial<RespDecoderLimits> | undefined>(
    undefined,
    { bulkBytesMax: 16, aggregateLenMax: 4, depthMax: 3, lineBytesMax: 8 },
  );

  /** Random input throws only RespDecodeError, and the outcome does not depend on how it was split. */
  function checkGarbage(bytes: Buffer, at: number[], limits: Partial<RespDecoderLimits> | undefined): void {
    const whole = decode([bytes], limits);
    const pieces = decode(split(bytes, at), limits);
    for (const r of [whole, pieces]) {
      if (r.error !== undefined) assert.ok(r.error instanceof RespDecodeError, `unexpected ${String(r.error)}`);
    }
    assert.deepStrictEqual(pieces.values, whole.values);
    assert.equal((pieces.error as Error | undefined)?.message, (whole.error as Error | undefined)?.message);
  }

  test('random bytes never throw anything but RespDecodeError, whatever the split', () => {
    fc.assert(
      fc.property(fc.oneof(respBytes, fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), respTokens), cuts,
        limitsChoice, checkGarbage),
      { numRuns: 500 },
    );
  });

  test('valid encodings with a few bytes changed never throw anything but RespDecodeError', () => {
    fc.assert(
      fc.property(value(3, true), fc.array(fc.tuple(fc.nat(), anyByte), { minLength: 1, maxLength: 4 }), cuts, limitsChoice,
        (v, edits, at, limits) => {
          const bytes = Buffer.from(encode(v));
          for (const [i, x] of edits) bytes[i % bytes.length] = x;
          checkGarbage(bytes, at, limits);
        }),
      { numRuns: 400 },
    );
  });
});
