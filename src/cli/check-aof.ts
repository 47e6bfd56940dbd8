#!/usr/bin/env node
/**
 * `concord-check-aof [--fix] [--yes] <file.manifest | file.aof>`: checks an append-only file, or
 * every file a multi-part manifest lists, as redis-check-aof 7.0 does, with Concord's reader (so
 * `#CRC:` annotations are verified too).
 *
 * Input kind, as redis-check-aof decides it: a file with a non-comment line starting with `file`
 * is a manifest; a file starting with "REDIS" is an RDB-preamble AOF; anything else is a RESP AOF.
 * For a manifest: the base (RDB: checked with the RDB reader, then any command tail after it;
 * RESP: the command reader), then each incr file in order.
 *
 * Repair rules (redis-check-aof's): --fix truncates a file at the first byte that is not part of a
 * good unit (a torn tail, an unfinished MULTI, or the start of damage in the middle), after saying
 * what goes and asking `Continue? [y/N]:` (--yes answers yes). In a multi-part AOF only the last
 * file listed may be truncated: truncating an earlier one would silently drop the files after it,
 * so the tool refuses and says so. Damage inside an RDB base cannot be fixed by truncation.
 *
 * Exit code 0: every file valid (or fixed); 1: something invalid, not fixed, or an error.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AofManifestError, parseManifest, type AofManifest } from '../persistence/aof-manifest.js';
import { AofCorruptionError, isRdbPreamble, readAofFile, type AofReadResult } from '../persistence/aof-reader.js';
import { RdbError, readRdb } from '../persistence/rdb-reader.js';

export const USAGE = 'Usage: concord-check-aof [--fix] [--yes] <file.manifest|file.aof>\n';

export interface CheckAofIo {
  out(text: string): void;
  /** Asks a question; resolves with the answer line, or null at end of input. */
  ask(prompt: string): Promise<string | null>;
}

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

type Verdict = 'ok' | 'empty' | 'truncated';

interface Options {
  fix: boolean;
  yes: boolean;
}

/** Runs the tool; returns the exit code. */
export async function runCheckAof(args: string[], io: CheckAofIo): Promise<number> {
  const opts: Options = { fix: false, yes: false };
  const files: string[] = [];
  for (const a of args) {
    if (a === '--fix') opts.fix = true;
    else if (a === '--yes' || a === '-y') opts.yes = true;
    else if (a === '--help' || a === '-h') {
      io.out(USAGE);
      return 0;
    } else if (a.startsWith('-')) {
      io.out(`Unknown option ${a}\n${USAGE}`);
      return 1;
    } else files.push(a);
  }
  if (files.length !== 1) {
    io.out(USAGE);
    return 1;
  }
  const path = files[0];
  try {
    const kind = await inputKind(path, io);
    if (kind === 'manifest') await checkMultiPart(path, opts, io);
    else {
      io.out('Start checking Old-Style AOF\n');
      const verdict = await checkSingle(path, path, true, opts, io, kind === 'rdb');
      io.out(verdictLine('AOF', path, verdict));
    }
    return 0;
  } catch (err) {
    if (err instanceof Exit) return err.code;
    throw err;
  }
}

async function inputKind(path: string, io: CheckAofIo): Promise<'manifest' | 'rdb' | 'resp'> {
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(64 * 1024);
      head = head.subarray(0, (await fh.read(head, 0, head.length, 0)).bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    io.out(`Cannot open file ${path}: ${(err as Error).message}\n`);
    throw new Exit(1);
  }
  if (isRdbPreamble(head)) return 'rdb';
  // redis-check-aof's fileIsManifest takes any non-comment line starting with "file", which a
  // RESP file holding the value "file" also has; here the first non-comment line decides.
  for (const line of head.toString('latin1').split('\n')) {
    if (line.startsWith('#')) continue;
    return /^[ \t]*(file|seq|type)[ \t]/i.test(line) ? 'manifest' : 'resp';
  }
  return 'resp';
}

function verdictLine(what: string, name: string, v: Verdict): string {
  if (v === 'ok') return `${what} ${name} is valid\n`;
  if (v === 'empty') return `${what} ${name} is empty\n`;
  return `Successfully truncated AOF ${name}\n`;
}

async function checkMultiPart(manifestPath: string, opts: Options, io: CheckAofIo): Promise<void> {
  io.out('Start checking Multi Part AOF\n');
  let m: AofManifest;
  try {
    m = parseManifest(await readFile(manifestPath));
  } catch (err) {
    if (!(err instanceof AofManifestError)) throw err;
    io.out(`\n*** FATAL AOF MANIFEST FILE ERROR ***\n`);
    if (err.lineNumber > 0) io.out(`Reading the manifest file, at line ${err.lineNumber}\n>>> '${err.lineText}'\n`);
    io.out(`${err.reason}\n`);
    throw new Exit(1);
  }
  const dir = dirname(manifestPath);
  const total = (m.base !== null ? 1 : 0) + m.incrs.length;
  let n = 0;
  if (m.base !== null) {
    const path = join(dir, m.base.name);
    const rdb = await startsWithRdb(path, io);
    io.out(`Start to check BASE AOF (${rdb ? 'RDB' : 'RESP'} format).\n`);
    const verdict = await checkSingle(m.base.name, path, ++n === total, opts, io, rdb);
    io.out(verdictLine('BASE AOF', m.base.name, verdict));
  }
  if (m.incrs.length > 0) {
    io.out('Start to check INCR files.\n');
    for (const incr of m.incrs) {
      const verdict = await checkSingle(incr.name, join(dir, incr.name), ++n === total, opts, io, false);
      io.out(verdictLine('INCR AOF', incr.name, verdict));
    }
  }
  io.out('All AOF files and manifest are valid\n');
}

async function startsWithRdb(path: string, io: CheckAofIo): Promise<boolean> {
  try {
    const fh = await open(path, 'r');
    try {
      const head = Buffer.alloc(8);
      const { bytesRead } = await fh.read(head, 0, 8, 0);
      // redis-check-aof's fileIsRDB wants room for the whole header.
      return bytesRead >= 8 && isRdbPreamble(head);
    } finally {
      await fh.close();
    }
  } catch (err) {
    io.out(`Cannot open file ${path}: ${(err as Error).message}, aborting...\n`);
    throw new Exit(1);
  }
}

/** Checks one file; truncates it when asked and allowed. Exits (throws Exit) when invalid. */
async function checkSingle(name: string, path: string, lastFile: boolean, opts: Options, io: CheckAofIo, rdb: boolean): Promise<Verdict> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    io.out(`Cannot open file ${path}: ${(err as Error).message}, aborting...\n`);
    throw new Exit(1);
  }
  if (size === 0) return 'empty';
  let start = 0;
  if (rdb) {
    try {
      // The RDB reader works on a whole buffer: a base file is read into memory.
      const file = readRdb(await readFile(path), { allowTrailingBytes: true });
      start = file.end;
      io.out(`RDB preamble is OK (RDB version ${file.version}, ${file.entries.length} keys), proceeding with AOF tail...\n`);
    } catch (err) {
      if (!(err instanceof RdbError)) throw err;
      io.out(`${err.message}\nRDB preamble of AOF file is not sane, aborting.\n`);
      throw new Exit(1);
    }
  }
  let result: AofReadResult | null = null;
  let okUpTo: number;
  let problem = '';
  try {
    result = await readAofFile(path, { fileName: name, start, onBatch: () => {} });
    okUpTo = result.truncatedAt ?? result.endOffset;
    if (result.truncatedAt !== null) {
      problem = `0x${hex16(result.truncatedAt)}: ${result.truncatedReason}` +
        (result.droppedCommands > 0 ? ` (${result.droppedCommands} complete commands of the unfinished MULTI are dropped with it)` : '');
    }
  } catch (err) {
    if (!(err instanceof AofCorruptionError)) throw err;
    okUpTo = err.offset;
    problem = `0x${hex16(err.offset)}: ${err.reason}`;
  }
  const diff = size - okUpTo;
  if (problem !== '') io.out(`${problem}\n`);
  else if (result !== null && result.contentEnd < result.endOffset) {
    io.out(`${result.endOffset - result.contentEnd} bytes of preallocated space after the last command (lines of '#', which Redis skips)\n`);
  }
  io.out(
    `AOF analyzed: filename=${name}, size=${size}, ok_up_to=${okUpTo}, diff=${diff}` +
      (result !== null ? `, commands=${result.commands}, checksums_verified=${result.checksumsVerified}` : '') +
      '\n',
  );
  if (diff === 0) return 'ok';
  if (!opts.fix) {
    io.out(`AOF ${name} is not valid. Use the --fix option to try fixing it.\n`);
    throw new Exit(1);
  }
  if (!lastFile) {
    io.out(`Failed to truncate AOF ${name} because it is not the last file\n`);
    throw new Exit(1);
  }
  io.out(`This will shrink the AOF ${name} from ${size} bytes, with ${diff} bytes, to ${okUpTo} bytes\n`);
  if (!opts.yes) {
    const answer = await io.ask('Continue? [y/N]: ');
    if (answer === null || !/^y/i.test(answer)) {
      io.out('Aborting...\n');
      throw new Exit(1);
    }
  }
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(okUpTo);
    await fh.sync();
  } catch (err) {
    io.out(`Failed to truncate AOF ${name}: ${(err as Error).message}\n`);
    throw new Exit(1);
  } finally {
    await fh.close();
  }
  return 'truncated';
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

function stdioIo(): CheckAofIo {
  let lines: AsyncIterator<string> | null = null;
  return {
    out: (text) => void process.stdout.write(text),
    ask: async (prompt) => {
      process.stdout.write(prompt);
      lines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
      const next = await lines.next();
      return next.done === true ? null : next.value;
    },
  };
}

function isMain(): boolean {
  if (process.argv[1] === undefined) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return basename(process.argv[1]) === 'check-aof.js';
  }
}

if (isMain()) {
  runCheckAof(process.argv.slice(2), stdioIo()).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`concord-check-aof: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
