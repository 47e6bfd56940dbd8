/**
 * Redis 7.0's multi-part AOF manifest (aof.c: aofLoadManifestFromFile, getAofManifestAsString,
 * openNewIncrAofForAppend, backgroundRewriteDoneHandler). Checked against redis-server 7.0.15.
 *
 * `<appenddirname>/<appendfilename>.manifest` lists one file a line:
 *
 *     file appendonly.aof.2.base.rdb seq 2 type b
 *     file appendonly.aof.1.incr.aof seq 1 type h
 *     file appendonly.aof.2.incr.aof seq 2 type i
 *
 * Written order: the base, then history files, then incremental files, each line ending in "\n".
 * A name holding a space, a quote, a backslash, a control byte or a byte >= 0x80 is written
 * double-quoted with sdscatrepr escapes (`"my file\"x.aof.1.incr.aof"`, `"\xc3\xa9.aof..."`).
 *
 * Parsing follows Redis: lines are read 1024 bytes at a time and a line starting with `#` is a
 * comment (checked before the length, as Redis does); any other line must end in "\n" within
 * 1024 bytes (so a last line without its newline is refused, as Redis refuses it); it is trimmed
 * of " \t\r\n" and split like a redis.conf line into key/value pairs, in any order, keys
 * case-insensitive, unknown keys ignored (forward compatibility), at least the three known ones.
 * `seq` is read like atoll (leading digits; 0 or none is missing), `type` is the first byte.
 *
 * This module is pure apart from writeManifestAtomically: the transitions return new manifests.
 */
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { splitInlineArgs } from '../protocol/request-parser.js';
import { quoteRepr as repr } from '../util/repr.js';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export interface AofManifest {
  base: AofFileInfo | null;
  /** Invariant: seqs strictly increasing; every entry has type 'i'. */
  incrs: AofFileInfo[];
  /** Invariant: every entry has type 'h'. Newest first (Redis prepends on each rewrite). */
  history: AofFileInfo[];
  /** Seq of the current base (the next base gets baseSeq + 1). */
  baseSeq: number;
  /** Seq of the newest incr file ever opened (the next one gets incrSeq + 1). */
  incrSeq: number;
}

/** Redis's MANIFEST_MAX_LINE: fgets reads at most this many bytes of a line. */
export const MANIFEST_LINE_BYTES_MAX = 1024;

export const BASE_FILE_SUFFIX = '.base';
export const INCR_FILE_SUFFIX = '.incr';
export const RDB_FORMAT_SUFFIX = '.rdb';
export const AOF_FORMAT_SUFFIX = '.aof';
export const MANIFEST_NAME_SUFFIX = '.manifest';
export const TEMP_FILE_NAME_PREFIX = 'temp-';

/** Redis's texts (aofLoadManifestFromFile). */
export const MANIFEST_ERR = {
  empty: 'Found an empty AOF manifest',
  tooLong: 'The AOF manifest file contains too long line',
  format: 'Invalid AOF manifest file format',
  path: "File can't be a path, just a filename",
  duplicateBase: 'Found duplicate base file information',
  nonMonotonic: 'Found a non-monotonic sequence number',
  unknownType: 'Unknown AOF file type',
} as const;

/** A manifest Redis would refuse to start with. */
export class AofManifestError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based line number (comment lines count), or 0 when not about one line. */
    readonly lineNumber = 0,
    readonly lineText = '',
  ) {
    super(lineNumber > 0 ? `${reason} (manifest line ${lineNumber}: '${lineText}')` : reason);
  }
}

export function emptyManifest(): AofManifest {
  return { base: null, incrs: [], history: [], baseSeq: 0, incrSeq: 0 };
}

// ---------------------------------------------------------------------------------------------
// Names

/** `appendonly.aof.manifest` */
export function manifestName(appendfilename: string): string {
  return `${appendfilename}${MANIFEST_NAME_SUFFIX}`;
}

/** `temp-appendonly.aof.manifest`: written first, then renamed over the manifest. */
export function tempManifestName(appendfilename: string): string {
  return `${TEMP_FILE_NAME_PREFIX}${appendfilename}${MANIFEST_NAME_SUFFIX}`;
}

/** `appendonly.aof.<seq>.base.rdb` (aof-use-rdb-preamble yes) or `.base.aof`. */
export function baseName(appendfilename: string, seq: number, rdb: boolean): string {
  return `${appendfilename}.${seq}${BASE_FILE_SUFFIX}${rdb ? RDB_FORMAT_SUFFIX : AOF_FORMAT_SUFFIX}`;
}

/** `appendonly.aof.<seq>.incr.aof` */
export function incrName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}${INCR_FILE_SUFFIX}${AOF_FORMAT_SUFFIX}`;
}

/**
 * `temp-appendonly.aof.incr`: Redis accumulates writes there while AOF is being turned on by
 * CONFIG SET (AOF_WAIT_REWRITE), and renames it to the next incr name when the rewrite is done.
 */
export function tempIncrName(appendfilename: string): string {
  return `${TEMP_FILE_NAME_PREFIX}${appendfilename}${INCR_FILE_SUFFIX}`;
}

// ---------------------------------------------------------------------------------------------
// Format

/** sdsneedsrepr: true when a name must be quoted to survive sdssplitargs. */
function needsRepr(bytes: string): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (c === 0x5c || c === 0x22 || c < 0x21 || c > 0x7e) return true;
  }
  return false;
}


/** File names are JS strings; on disk (and in the manifest) they are their UTF-8 bytes. */
function nameToBytes(name: string): string {
  return Buffer.from(name, 'utf8').toString('latin1');
}

function bytesToName(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function formatLine(info: AofFileInfo): string {
  const bytes = nameToBytes(info.name);
  return `file ${needsRepr(bytes) ? repr(bytes) : bytes} seq ${info.seq} type ${info.type}\n`;
}

/**
 * The manifest text exactly as Redis 7.0 writes it for the same state (pure ASCII: names with
 * other bytes are escaped). Write it as latin1 or utf8, the bytes are the same.
 */
export function formatManifest(m: AofManifest): string {
  let out = '';
  if (m.base !== null) out += formatLine(m.base);
  for (const h of m.history) out += formatLine(h);
  for (const i of m.incrs) out += formatLine(i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parse

/** atoll: optional spaces and sign, then leading digits; 0 when there are none. */
function atoll(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(s)!;
  const digits = m[2].replace(/^0+/, '');
  if (digits === '') return 0;
  if (digits.length > 16) return null;
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) return null;
  return m[1] === '-' ? -n : n;
}

function isBaseName(name: string): boolean {
  return !name.includes('/') && !name.includes('\\');
}

/**
 * Parses a manifest. `text` is the file's content: a Buffer, or a string read as UTF-8 (names
 * come back as UTF-8 strings either way). Throws AofManifestError with Redis's reason.
 */
export function parseManifest(text: string | Buffer): AofManifest {
  const bytes = (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('latin1');
  const m = emptyManifest();
  let maxIncrSeq = 0;
  let lineNumber = 0;
  let pos = 0;
  while (pos < bytes.length) {
    // fgets(buf, MANIFEST_MAX_LINE + 1): up to 1024 bytes, stopping after a '\n'.
    const nl = bytes.indexOf('\n', pos);
    const stop = Math.min(nl < 0 ? bytes.length : nl + 1, pos + MANIFEST_LINE_BYTES_MAX);
    const raw = bytes.slice(pos, stop);
    pos = stop;
    lineNumber++;
    if (raw[0] === '#') continue;
    if (!raw.includes('\n')) throw new AofManifestError(MANIFEST_ERR.tooLong, lineNumber, bytesToName(raw));
    const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    const fail = (reason: string): never => {
      throw new AofManifestError(reason, lineNumber, bytesToName(line));
    };
    if (line === '') fail(MANIFEST_ERR.format);
    const argv = splitInlineArgs(line);
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) fail(MANIFEST_ERR.format);
    let name: string | null = null;
    let seq = 0;
    let type = '';
    for (let i = 0; i < argv!.length; i += 2) {
      const key = argv![i].toLowerCase();
      const value = argv![i + 1];
      if (key === 'file') {
        name = bytesToName(value);
        if (!isBaseName(value)) fail(MANIFEST_ERR.path);
      } else if (key === 'seq') {
        const n = atoll(value);
        if (n === null) fail(MANIFEST_ERR.format);
        seq = n!;
      } else if (key === 'type') {
        type = value.slice(0, 1);
      }
    }
    if (name === null || name === '' || seq === 0 || type === '') fail(MANIFEST_ERR.format);
    if (type === 'b') {
      if (m.base !== null) fail(MANIFEST_ERR.duplicateBase);
      m.base = { name: name!, seq, type };
      m.baseSeq = seq;
    } else if (type === 'h') {
      m.history.push({ name: name!, seq, type });
    } else if (type === 'i') {
      if (seq <= maxIncrSeq) fail(MANIFEST_ERR.nonMonotonic);
      m.incrs.push({ name: name!, seq, type });
      m.incrSeq = seq;
      maxIncrSeq = seq;
    } else {
      fail(MANIFEST_ERR.unknownType);
    }
  }
  if (lineNumber === 0) throw new AofManifestError(MANIFEST_ERR.empty);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Transitions (each returns a new manifest; the argument is not changed)

function copy(m: AofManifest): AofManifest {
  return {
    base: m.base === null ? null : { ...m.base },
    incrs: m.incrs.map((f) => ({ ...f })),
    history: m.history.map((f) => ({ ...f })),
    baseSeq: m.baseSeq,
    incrSeq: m.incrSeq,
  };
}

/**
 * Opens the next incr file (getNewIncrAofName): at a rewrite's start (openNewIncrAofForAppend),
 * at server start when there is none (aofOpenIfNeededOnServerStart), or when the temp incr file of
 * AOF_WAIT_REWRITE is renamed at the end of the rewrite that turned AOF on. The caller creates the
 * file, then persists the manifest, then switches its writes to the file.
 */
export function withNewIncr(m: AofManifest, appendfilename: string): { manifest: AofManifest; file: AofFileInfo } {
  const next = copy(m);
  next.incrSeq += 1;
  const file: AofFileInfo = { name: incrName(appendfilename, next.incrSeq), seq: next.incrSeq, type: 'i' };
  next.incrs.push(file);
  return { manifest: next, file: { ...file } };
}

/**
 * A successful rewrite (backgroundRewriteDoneHandler): a new base with the next base seq
 * (getNewBaseFileNameAndMarkPreAsHistory), the old base goes to the front of history, then every
 * incr file the new base covers goes to the front of history in its order
 * (markRewrittenIncrAofAsHistory). With AOF on (`aofOn`, default) the newest incr file is the one
 * being written (opened by withNewIncr at the rewrite's start) and stays; with AOF off, all go.
 * Resulting history order: [rewritten incrs..., old base, older history...], as Redis writes it.
 * The caller renames the temp base to `base.name`, persists the manifest, then deletes history
 * files (withoutHistory) unless aof-disable-auto-gc.
 */
export function afterRewrite(
  m: AofManifest,
  appendfilename: string,
  rdbBase: boolean,
  aofOn = true,
): { manifest: AofManifest; base: AofFileInfo } {
  const next = copy(m);
  if (next.base !== null) {
    next.history.unshift({ ...next.base, type: 'h' });
  }
  next.baseSeq += 1;
  const base: AofFileInfo = { name: baseName(appendfilename, next.baseSeq, rdbBase), seq: next.baseSeq, type: 'b' };
  next.base = base;
  const keep = aofOn && next.incrs.length > 0 ? 1 : 0;
  const rewritten = next.incrs.slice(0, next.incrs.length - keep);
  next.incrs = next.incrs.slice(next.incrs.length - keep);
  next.history.unshift(...rewritten.map((f) => ({ ...f, type: 'h' as const })));
  return { manifest: next, base: { ...base } };
}

/** The manifest once its history files are deleted (aofDelHistoryFiles). */
export function withoutHistory(m: AofManifest): AofManifest {
  const next = copy(m);
  next.history = [];
  return next;
}

// ---------------------------------------------------------------------------------------------
// Persist

/**
 * Writes the manifest as Redis does (writeAofManifestFile): `temp-<appendfilename>.manifest` in
 * `dir`, fsync, rename over `<appendfilename>.manifest`, fsync of the directory (new AOF files may
 * have been created in it too). A crash at any point leaves the old or the new manifest whole.
 */
export async function writeManifestAtomically(dir: string, appendfilename: string, m: AofManifest): Promise<void> {
  const text = formatManifest(m);
  const tempPath = join(dir, tempManifestName(appendfilename));
  const finalPath = join(dir, manifestName(appendfilename));
  const fh = await open(tempPath, 'w', 0o644);
  try {
    await fh.writeFile(text, 'latin1');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tempPath, finalPath);
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
