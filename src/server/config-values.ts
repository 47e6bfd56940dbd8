/** Parsing and formatting of redis.conf value syntax: memory sizes, yes/no, save schedules. */

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1000, kb: 1024,
  m: 1000 * 1000, mb: 1024 * 1024,
  g: 1000 * 1000 * 1000, gb: 1024 * 1024 * 1024,
};

/** `1gb`, `512mb`, `100k`, `42` -> bytes, as Redis's memtoull. Null when malformed. */
export function parseMemory(text: string): number | null {
  const m = /^(-?\d+)([a-z]*)$/i.exec(text.trim());
  if (m === null) return null;
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) return null;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) ? n : null;
}

/** Prints memory as CONFIG GET does: plain bytes. */
export function formatMemory(n: number): string {
  return String(n);
}

export function parseBool(text: string): boolean | null {
  const t = text.toLowerCase();
  if (t === 'yes') return true;
  if (t === 'no') return false;
  return null;
}

export function parseInteger(text: string): number | null {
  if (!/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** A `save` schedule: pairs of seconds and changes. `""` turns saving off. */
export function parseSave(text: string): Array<[number, number]> | null {
  const parts = text.trim().split(/\s+/).filter((p) => p.length > 0);
  if (parts.length % 2 !== 0) return null;
  const out: Array<[number, number]> = [];
  for (let i = 0; i < parts.length; i += 2) {
    const secs = parseInteger(parts[i]);
    const changes = parseInteger(parts[i + 1]);
    if (secs === null || changes === null || secs < 1 || changes < 0) return null;
    out.push([secs, changes]);
  }
  return out;
}

export function formatSave(points: Array<[number, number]>): string {
  return points.map(([s, c]) => `${s} ${c}`).join(' ');
}

export interface OutputBufferLimit {
  hardBytes: number;
  softBytes: number;
  softSeconds: number;
}

export type OutputBufferClass = 'normal' | 'replica' | 'pubsub';

/** `normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60` (any subset of classes). */
export function parseOutputBufferLimits(
  text: string,
  current: Record<OutputBufferClass, OutputBufferLimit>,
): Record<OutputBufferClass, OutputBufferLimit> | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length % 4 !== 0) return null;
  const next = { ...current };
  for (let i = 0; i < parts.length; i += 4) {
    let cls = parts[i].toLowerCase();
    if (cls === 'slave' || cls === 'master') cls = 'replica';
    if (cls !== 'normal' && cls !== 'replica' && cls !== 'pubsub') return null;
    const hardBytes = parseMemory(parts[i + 1]);
    const softBytes = parseMemory(parts[i + 2]);
    const softSeconds = parseInteger(parts[i + 3]);
    if (hardBytes === null || softBytes === null || softSeconds === null) return null;
    if (hardBytes < 0 || softBytes < 0 || softSeconds < 0) return null;
    next[cls] = { hardBytes, softBytes, softSeconds };
  }
  return next;
}

export function formatOutputBufferLimits(limits: Record<OutputBufferClass, OutputBufferLimit>): string {
  return (['normal', 'slave', 'pubsub'] as const)
    .map((cls) => {
      const l = limits[cls === 'slave' ? 'replica' : cls];
      return `${cls} ${l.hardBytes} ${l.softBytes} ${l.softSeconds}`;
    })
    .join(' ');
}
