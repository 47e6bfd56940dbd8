/**
 * The multi-part AOF manifest (src/persistence/aof-manifest.ts) against redis-server 7.0.15:
 * its manifest, after writes and two BGREWRITEAOFs with history kept (aof-disable-auto-gc yes) and
 * an appendfilename that needs quoting, parses and formats back byte for byte, and the pure
 * transitions (withNewIncr at rewrite start, afterRewrite at its end) replay Redis's own states.
 * Malformed manifests are refused with Redis's reasons; fast-check round-trips random manifests.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AofManifestError,
  MANIFEST_ERR,
  afterRewrite,
  baseName,
  emptyManifest,
  formatManifest,
  incrName,
  manifestName,
  parseManifest,
  tempIncrName,
  tempManifestName,
  withNewIncr,
  withoutHistory,
  writeManifestAtomically,
  type AofFileInfo,
  type AofManifest,
} from '../src/persistence/aof-manifest.js';
import { RespClient } from './helpers/resp-client.js';
import { startRedis, type ServerProcess } from './helpers/servers.js';
import { waitUntil } from './helpers/util.js';

describe('AOF manifest names', () => {
  it('uses Redis suffixes', () => {
    assert.equal(manifestName('appendonly.aof'), 'appendonly.aof.manifest');
    assert.equal(tempManifestName('appendonly.aof'), 'temp-appendonly.aof.manifest');
    assert.equal(baseName('appendonly.aof', 3, true), 'appendonly.aof.3.base.rdb');
    assert.equal(baseName('appendonly.aof', 3, false), 'appendonly.aof.3.base.aof');
    assert.equal(incrName('appendonly.aof', 12), 'appendonly.aof.12.incr.aof');
    assert.equal(tempIncrName('appendonly.aof'), 'temp-appendonly.aof.incr');
  });
});

describe('AOF manifest format and parse', () => {
  it('writes the base, then history, then incr files', () => {
    const m: AofManifest = {
      base: { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' },
      history: [{ name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'h' }],
      incrs: [{ name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'i' }],
      baseSeq: 2,
      incrSeq: 2,
    };
    assert.equal(
      formatManifest(m),
      'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n',
    );
    assert.deepEqual(parseManifest(formatManifest(m)), m);
  });

  it('quotes names as sdscatrepr does (verified on redis-server 7.0.15)', () => {
    // Redis 7.0.15 with --appendfilename $'é\ty\x01.aof' wrote exactly this line.
    const m = withNewIncr(emptyManifest(), 'é\ty\x01.aof').manifest;
    assert.equal(formatManifest(m), 'file "\\xc3\\xa9\\ty\\x01.aof.1.incr.aof" seq 1 type i\n');
    assert.deepEqual(parseManifest(formatManifest(m)), m);
    const q = withNewIncr(emptyManifest(), 'my file"x.aof').manifest;
    assert.equal(formatManifest(q), 'file "my file\\"x.aof.1.incr.aof" seq 1 type i\n');
  });

  it('accepts what Redis accepts: comments, any key order and case, extra keys, CRLF, quotes, spaces', () => {
    const m = parseManifest(
      '# comment\nFILE appendonly.aof.5.base.rdb type b seq 5 \r\n  file "appendonly.aof.5.incr.aof" seq 5 type i extra 1\n' +
        "file 'h.aof' seq 0004x type hist\n",
    );
    assert.deepEqual(m.base, { name: 'appendonly.aof.5.base.rdb', seq: 5, type: 'b' });
    assert.deepEqual(m.incrs, [{ name: 'appendonly.aof.5.incr.aof', seq: 5, type: 'i' }]);
    assert.deepEqual(m.history, [{ name: 'h.aof', seq: 4, type: 'h' }]);
    assert.equal(m.baseSeq, 5);
    assert.equal(m.incrSeq, 5);
    // Only comments: not empty (Redis counts the lines), nothing listed.
    assert.deepEqual(parseManifest('# nothing yet\n'), emptyManifest());
  });

  it('refuses malformed manifests with Redis reasons and the line', () => {
    const cases: [string, string, number][] = [
      ['', MANIFEST_ERR.empty, 0],
      ['file a.aof seq 1 type i', MANIFEST_ERR.tooLong, 1], // last line without its newline
      [`file ${'x'.repeat(1100)} seq 1 type i\n`, MANIFEST_ERR.tooLong, 1],
      ['\n', MANIFEST_ERR.format, 1],
      ['file a.aof seq 1\n', MANIFEST_ERR.format, 1],
      ['file a.aof seq 1 type\n', MANIFEST_ERR.format, 1],
      ['file a.aof seq 1 type i x\n', MANIFEST_ERR.format, 1],
      ['file "a.aof seq 1 type i\n', MANIFEST_ERR.format, 1],
      ['file a.aof seq 0 type i\n', MANIFEST_ERR.format, 1],
      ['file a.aof seq x type i\n', MANIFEST_ERR.format, 1],
      ['file a.aof sec 1 type i\n', MANIFEST_ERR.format, 1],
      ['file dir/a.aof seq 1 type i\n', MANIFEST_ERR.path, 1],
      ['file ..\\a.aof seq 1 type i\n', MANIFEST_ERR.path, 1],
      ['file a seq 1 type b\n# c\nfile b seq 2 type b\n', MANIFEST_ERR.duplicateBase, 3],
      ['file a seq 2 type i\nfile b seq 2 type i\n', MANIFEST_ERR.nonMonotonic, 2],
      ['file a seq 1 type x\n', MANIFEST_ERR.unknownType, 1],
    ];
    for (const [text, reason, line] of cases) {
      assert.throws(
        () => parseManifest(text),
        (err: unknown) => err instanceof AofManifestError && err.reason === reason && err.lineNumber === line,
        `${JSON.stringify(text.slice(0, 60))} should fail with ${reason}`,
      );
    }
    const err = (() => {
      try {
        parseManifest('file a seq 1 type i\nfile b seq 1 type i\n');
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    assert.match(err!.message, /Found a non-monotonic sequence number \(manifest line 2: 'file b seq 1 type i'\)/);
  });

  it('round-trips random manifests byte for byte (fast-check)', () => {
    const name = fc
      .array(fc.integer({ min: 1, max: 0x2fff }), { minLength: 1, maxLength: 12 })
      // No '/' or '\\' (paths), no "'": Redis writes it unquoted and sdssplitargs then reads it as a quote.
      .map((cps) => String.fromCodePoint(...cps).replace(/[/\\']/g, '_'))
      .filter((s) => !/[\ud800-\udfff]/.test(s));
    const info = (type: 'b' | 'h' | 'i') =>
      fc
        .record({ name, seq: fc.integer({ min: 1, max: 2 ** 40 }) })
        .map((r): AofFileInfo => ({ name: r.name, seq: r.seq, type })); // plain objects, not null-prototype ones
    const manifest = fc
      .record({
        base: fc.option(info('b'), { nil: null }),
        history: fc.array(info('h'), { maxLength: 4 }),
        incrs: fc.uniqueArray(info('i'), { maxLength: 4, selector: (f) => f.seq }),
      })
      .map((r) => {
        const incrs = [...r.incrs].sort((a, b) => a.seq - b.seq);
        return { base: r.base, history: r.history, incrs, baseSeq: r.base?.seq ?? 0, incrSeq: incrs.length > 0 ? incrs[incrs.length - 1].seq : 0 };
      });
    fc.assert(
      fc.property(manifest, (m) => {
        const text = formatManifest(m);
        assert.ok(/^[\x20-\x7e\n]*$/.test(text), 'manifest text is printable ASCII');
        if (text === '') return;
        const back = parseManifest(text);
        assert.deepEqual(back, m);
        assert.equal(formatManifest(back), text);
        assert.deepEqual(parseManifest(Buffer.from(text, 'latin1')), m);
      }),
      { numRuns: 300 },
    );
  });
});

describe('AOF manifest transitions', () => {
  it('follow Redis 7.0 rewrite rules', () => {
    const start = withNewIncr(emptyManifest(), 'a.aof').manifest; // server start: incr 1, no base
    const r1 = withNewIncr(start, 'a.aof'); // rewrite starts: incr 2
    assert.equal(r1.file.name, 'a.aof.2.incr.aof');
    const d1 = afterRewrite(r1.manifest, 'a.aof', true);
    assert.equal(d1.base.name, 'a.aof.1.base.rdb');
    assert.equal(formatManifest(d1.manifest), 'file a.aof.1.base.rdb seq 1 type b\nfile a.aof.1.incr.aof seq 1 type h\nfile a.aof.2.incr.aof seq 2 type i\n');
    // A failed rewrite left incr 3; the next one opens 4: 2 and 3 go to history, in order, before the old base.
    const failed = withNewIncr(d1.manifest, 'a.aof').manifest;
    const d2 = afterRewrite(withNewIncr(failed, 'a.aof').manifest, 'a.aof', false);
    assert.equal(
      formatManifest(d2.manifest),
      'file a.aof.2.base.aof seq 2 type b\nfile a.aof.2.incr.aof seq 2 type h\nfile a.aof.3.incr.aof seq 3 type h\n' +
        'file a.aof.1.base.rdb seq 1 type h\nfile a.aof.1.incr.aof seq 1 type h\nfile a.aof.4.incr.aof seq 4 type i\n',
    );
    assert.equal(formatManifest(withoutHistory(d2.manifest)), 'file a.aof.2.base.aof seq 2 type b\nfile a.aof.4.incr.aof seq 4 type i\n');
    // AOF off: every incr file is covered by the new base.
    assert.deepEqual(afterRewrite(d2.manifest, 'a.aof', true, false).manifest.incrs, []);
    // The argument is never changed.
    assert.equal(formatManifest(d1.manifest), 'file a.aof.1.base.rdb seq 1 type b\nfile a.aof.1.incr.aof seq 1 type h\nfile a.aof.2.incr.aof seq 2 type i\n');
  });

  it('writes the manifest atomically, leaving no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-manifest-'));
    try {
      const m = withNewIncr(emptyManifest(), 'appendonly.aof').manifest;
      await writeManifestAtomically(dir, 'appendonly.aof', m);
      await writeManifestAtomically(dir, 'appendonly.aof', afterRewrite(m, 'appendonly.aof', true).manifest);
      assert.deepEqual(readdirSync(dir), ['appendonly.aof.manifest']);
      assert.equal(readFileSync(join(dir, 'appendonly.aof.manifest'), 'latin1'), formatManifest(afterRewrite(m, 'appendonly.aof', true).manifest));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AOF manifest against redis-server 7.0', () => {
  const appendfilename = 'my file"é.aof';
  let redis: ServerProcess;
  let client: RespClient;
  let manifestPath: string;

  before(async () => {
    redis = await startRedis(['--appendonly', 'yes', '--aof-disable-auto-gc', 'yes', '--appendfilename', appendfilename]);
    client = await RespClient.connect(redis.port);
    manifestPath = join(redis.dir, 'appendonlydir', manifestName(appendfilename));
  });

  after(async () => {
    client?.close();
    await redis?.stop();
  });

  async function rewrite(expectBaseSeq: number): Promise<void> {
    assert.match(String(await client.call('BGREWRITEAOF')), /rewriting started/);
    await waitUntil(
      () => existsSync(manifestPath) && readFileSync(manifestPath, 'latin1').includes(`.${expectBaseSeq}.base.rdb`),
      10_000,
      `rewrite to base ${expectBaseSeq}`,
    );
  }

  it('formats byte-identically and replays Redis transitions', async () => {
    const initialBytes = readFileSync(manifestPath);
    let ours = parseManifest(initialBytes);
    assert.equal(formatManifest(ours), initialBytes.toString('latin1'));
    assert.deepEqual(ours.base?.name, baseName(appendfilename, 1, true));
    for (let round = 0; round < 2; round++) {
      await client.call('SET', `k${round}`, 'v');
      await rewrite(round + 2);
      ours = afterRewrite(withNewIncr(ours, appendfilename).manifest, appendfilename, true).manifest;
      const bytes = readFileSync(manifestPath);
      assert.equal(formatManifest(ours), bytes.toString('latin1'), `round ${round}`);
      const parsed = parseManifest(bytes);
      assert.deepEqual(parsed, ours);
      assert.equal(Buffer.from(formatManifest(parsed), 'latin1').equals(bytes), true);
    }
    // Every file the manifest lists exists under its decoded (UTF-8) name.
    const files = new Set(readdirSync(join(redis.dir, 'appendonlydir')));
    for (const f of [ours.base!, ...ours.history, ...ours.incrs]) assert.ok(files.has(f.name), f.name);
  });
});
