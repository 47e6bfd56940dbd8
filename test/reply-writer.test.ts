import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReplyWriter, formatDouble, formatG17, type RespVersion } from '../src/protocol/reply-writer.js';

/** The bytes `write` produces, as a byte string, for the given RESP version. */
function bytes(resp: RespVersion, write: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter();
  w.resp = resp;
  write(w);
  const pieces = w.take();
  return pieces === null ? '' : Buffer.concat(pieces).toString('latin1');
}

/** Asserts the RESP2 and RESP3 encodings of one write. */
function both(write: (w: ReplyWriter) => void, resp2: string, resp3: string): void {
  assert.equal(bytes(2, write), resp2, 'RESP2');
  assert.equal(bytes(3, write), resp3, 'RESP3');
}

describe('ReplyWriter: each method in RESP2 and RESP3', () => {
  test('simple, ok, error', () => {
    both((w) => w.simple('PONG'), '+PONG\r\n', '+PONG\r\n');
    both((w) => w.ok(), '+OK\r\n', '+OK\r\n');
    both((w) => w.error('ERR bad'), '-ERR bad\r\n', '-ERR bad\r\n');
    both((w) => w.error('ERR a\r\nb\nc'), '-ERR a  b c\r\n', '-ERR a  b c\r\n');
  });

  test('integer', () => {
    both((w) => w.integer(42), ':42\r\n', ':42\r\n');
    both((w) => w.integer(-1), ':-1\r\n', ':-1\r\n');
    both((w) => w.integer(-9223372036854775808n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n');
    both((w) => w.integer(-0), ':0\r\n', ':0\r\n');
    both((w) => w.integer(Number.MAX_SAFE_INTEGER), ':9007199254740991\r\n', ':9007199254740991\r\n');
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -20, max: 20 })), (n) => {
        assert.equal(bytes(2, (w) => w.integer(n)), `:${n}\r\n`);
      }),
      { numRuns: 2000 },
    );
  });

  test('bulk, bulkNumber, bulkOrNull', () => {
    both((w) => w.bulk('foo'), '$3\r\nfoo\r\n', '$3\r\nfoo\r\n');
    both((w) => w.bulk(''), '$0\r\n\r\n', '$0\r\n\r\n');
    both((w) => w.bulk('\r\n\0\xff'), '$4\r\n\r\n\0\xff\r\n', '$4\r\n\r\n\0\xff\r\n');
    both((w) => w.bulkNumber(-12), '$3\r\n-12\r\n', '$3\r\n-12\r\n');
    both((w) => w.bulkOrNull('x'), '$1\r\nx\r\n', '$1\r\nx\r\n');
    both((w) => w.bulkOrNull(undefined), '$-1\r\n', '_\r\n');
    both((w) => w.bulkOrNull(null), '$-1\r\n', '_\r\n');
  });

  test('null and nullArray', () => {
    both((w) => w.null(), '$-1\r\n', '_\r\n');
    both((w) => w.nullArray(), '*-1\r\n', '_\r\n');
  });

  test('arrayLen, mapLen, setLen, pushLen', () => {
    both((w) => w.arrayLen(3), '*3\r\n', '*3\r\n');
    both((w) => w.arrayLen(0), '*0\r\n', '*0\r\n');
    both((w) => w.mapLen(2), '*4\r\n', '%2\r\n');
    both((w) => w.mapLen(0), '*0\r\n', '%0\r\n');
    both((w) => w.setLen(2), '*2\r\n', '~2\r\n');
    both((w) => w.pushLen(3), '*3\r\n', '>3\r\n');
  });

  test('double', () => {
    both((w) => w.double(1.5), '$3\r\n1.5\r\n', ',1.5\r\n');
    both((w) => w.double(3), '$1\r\n3\r\n', ',3\r\n');
    both((w) => w.double(Infinity), '$3\r\ninf\r\n', ',inf\r\n');
    both((w) => w.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n');
    both((w) => w.double(NaN), '$3\r\nnan\r\n', ',nan\r\n');
    both((w) => w.double(0.1), '$19\r\n0.10000000000000001\r\n', ',0.10000000000000001\r\n');
  });

  test('bool', () => {
    both((w) => w.bool(true), ':1\r\n', '#t\r\n');
    both((w) => w.bool(false), ':0\r\n', '#f\r\n');
  });

  test('bigNumber', () => {
    both((w) => w.bigNumber('3492890328409238509324850943850943825024385'),
      '$43\r\n3492890328409238509324850943850943825024385\r\n', '(3492890328409238509324850943850943825024385\r\n');
  });

  test('verbatim', () => {
    both((w) => w.verbatim('Some string'), '$11\r\nSome string\r\n', '=15\r\ntxt:Some string\r\n');
    both((w) => w.verbatim('# x', 'mkd'), '$3\r\n# x\r\n', '=7\r\nmkd:# x\r\n');
    both((w) => w.verbatim(''), '$0\r\n\r\n', '=4\r\ntxt:\r\n');
  });

  test('raw', () => {
    both((w) => w.raw('+cached\r\n'), '+cached\r\n', '+cached\r\n');
  });

  test('a composite reply', () => {
    const write = (w: ReplyWriter): void => {
      w.mapLen(2);
      w.bulk('a');
      w.double(2);
      w.bulk('b');
      w.bool(true);
    };
    both(write, '*4\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n:1\r\n', '%2\r\n$1\r\na\r\n,2\r\n$1\r\nb\r\n#t\r\n');
  });
});

describe('ReplyWriter: buffering', () => {
  test('take() returns null when empty, and empties the writer', () => {
    const w = new ReplyWriter();
    assert.equal(w.take(), null);
    w.ok();
    assert.equal(w.pendingBytes, 5);
    assert.deepEqual(w.take(), [Buffer.from('+OK\r\n')]);
    assert.equal(w.pendingBytes, 0);
    assert.equal(w.take(), null);
  });

  test('a bulk over 16 KB is passed as its own piece, in order with what surrounds it', () => {
    const big = 'x'.repeat(20000) + '\xff';
    const w = new ReplyWriter();
    w.arrayLen(3);
    w.bulk('a');
    w.bulk(big);
    w.integer(7);
    const expected = `*3\r\n$1\r\na\r\n$${big.length}\r\n${big}\r\n:7\r\n`;
    assert.equal(w.pendingBytes, expected.length);
    const pieces = w.take()!;
    assert.ok(pieces.length >= 3, `the payload was not copied into the buffer (${pieces.length} pieces)`);
    assert.ok(pieces.some((p) => p.length === big.length), 'one piece is exactly the payload');
    assert.equal(Buffer.concat(pieces).toString('latin1'), expected);
    assert.equal(w.pendingBytes, 0);
    assert.equal(w.take(), null);
  });

  test('a big bulk as the last write, and a big verbatim', () => {
    const big = 'y'.repeat(16 * 1024 + 1);
    assert.equal(bytes(3, (w) => w.bulk(big)), `$${big.length}\r\n${big}\r\n`);
    assert.equal(bytes(3, (w) => w.verbatim(big)), `=${big.length + 4}\r\ntxt:${big}\r\n`);
    assert.equal(bytes(2, (w) => w.verbatim(big)), `$${big.length}\r\n${big}\r\n`);
  });

  test('the buffer grows past its initial size and is reusable after take()', () => {
    const w = new ReplyWriter();
    let expected = '';
    for (let i = 0; i < 5000; i++) {
      const s = String(i).repeat(i % 50);
      w.bulk(s);
      expected += `$${s.length}\r\n${s}\r\n`;
    }
    assert.equal(w.pendingBytes, expected.length);
    assert.equal(Buffer.concat(w.take()!).toString('latin1'), expected);
    w.simple('again');
    assert.equal(Buffer.concat(w.take()!).toString('latin1'), '+again\r\n');
  });

  test('any sequence of bulks of any size encodes exactly', () => {
    const arg = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
      fc.integer({ min: 16 * 1024 - 2, max: 40 * 1024 }).map((n) => String.fromCharCode(n & 0xff).repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 8 }), fc.array(fc.boolean(), { maxLength: 8 }), (args, takes) => {
        const w = new ReplyWriter();
        let got = '';
        let expected = '';
        args.forEach((s, i) => {
          w.bulk(s);
          expected += `$${s.length}\r\n${s}\r\n`;
          if (takes[i]) got += Buffer.concat(w.take() ?? []).toString('latin1');
        });
        assert.equal(w.pendingBytes, expected.length - got.length);
        got += Buffer.concat(w.take() ?? []).toString('latin1');
        assert.equal(got, expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('formatDouble', () => {
  test('special values and integers', () => {
    assert.equal(formatDouble(Infinity), 'inf');
    assert.equal(formatDouble(-Infinity), '-inf');
    assert.equal(formatDouble(NaN), 'nan');
    assert.equal(formatDouble(3), '3');
    assert.equal(formatDouble(-42), '-42');
    assert.equal(formatDouble(0), '0');
    assert.equal(formatDouble(-0), '-0');
    assert.equal(formatDouble(1e16), '10000000000000000');
  });

  test('%.17g cases (expected values from C printf)', () => {
    const cases: Array<[number, string]> = [
      [0.1, '0.10000000000000001'],
      [0.3, '0.29999999999999999'],
      [1 / 3, '0.33333333333333331'],
      [1.5, '1.5'],
      [2.5, '2.5'],
      [1e300, '1.0000000000000001e+300'],
      [1e17, '1e+17'],
      [1e21, '1e+21'],
      [12345678901234567890, '1.2345678901234567e+19'],
      [1e-5, '1.0000000000000001e-05'],
      [1.234e-5, '1.234e-05'],
      [0.0001, '0.0001'],
      [123456789.123, '123456789.123'],
      [5e-324, '4.9406564584124654e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [-2.5e-7, '-2.4999999999999999e-07'],
    ];
    for (const [d, text] of cases) assert.equal(formatDouble(d), text, `formatDouble(${d})`);
  });

  test('17 significant digits always round-trip', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (d) => {
        const text = formatDouble(d);
        assert.ok(Object.is(Number(text), d) || (text === 'inf' && d === Infinity) || (text === '-inf' && d === -Infinity),
          `${d} -> ${text}`);
        const digits = text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
        assert.ok(digits.length <= 17 || /^\d+$/.test(text.replace(/^-/, '')), `${text} has more than 17 digits`);
      }),
      { numRuns: 500 },
    );
  });

  test('exact ties round half to even, as glibc printf does', () => {
    // Both values are exact binary fractions whose 18th significant digit is an exact 5.
    assert.equal(formatG17(2050298209126707.25), '2050298209126707.2');
    assert.equal(formatG17(-2060376949410108.25), '-2060376949410108.2');
    assert.equal(formatG17(323513463.142578125), '323513463.14257812');
  });
});
