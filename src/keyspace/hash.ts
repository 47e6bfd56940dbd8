/**
 * The hash value type: field -> value, both byte strings.
 *
 * One StringTable holds the fields. It keeps insertion order and updates in place, as Redis's listpack
 * does for small hashes, so HGETALL/HKEYS/HSCAN of a small hash list fields in the same order as
 * Redis. The encoding Redis would use is tracked as a flag only (for OBJECT ENCODING and for the
 * commands whose replies depend on it, such as HSCAN): 'listpack' while the hash has at most
 * HASH_LISTPACK_ENTRIES_MAX fields and no field or value longer than HASH_LISTPACK_VALUE_BYTES_MAX,
 * then 'hashtable' for good (Redis never converts back).
 */
import { assert } from '../util/assert.js';
import { snapshotGeneration, type TypedValue } from './database.js';
import { StringTable } from './string-table.js';

/**
 * Redis 7.0's built-in hash-max-listpack-entries (config.c): what a redis-server started without a
 * config file uses. The sample redis.conf shipped with Redis sets 128.
 */
export const HASH_LISTPACK_ENTRIES_MAX = 512;
/** Redis 7.0's default hash-max-listpack-value (bytes of a field or of a value). */
export const HASH_LISTPACK_VALUE_BYTES_MAX = 64;
/** Past this a write gets an error (the limit V8's Map had; StringTable's is 2^25). */
export const HASH_FIELDS_MAX = 16_000_000;

/**
 * MEMORY USAGE estimate: the object with its table; per field, ~1.5 index slots of 32 bytes and
 * two entry-array pointers, and each string's header.
 */
const HASH_OBJECT_BYTES = 96;
const TABLE_ENTRY_BYTES = 64;
const STRING_HEADER_BYTES = 16;
const ENTRY_OVERHEAD_BYTES = TABLE_ENTRY_BYTES + 2 * STRING_HEADER_BYTES;
const POINTER_BYTES = 8;

export class HashValue implements TypedValue {
  readonly type = 'hash' as const;
  snapshotMark = snapshotGeneration.current;
  /**
   * @param fields the fields in insertion order, this hash's own table (clone passes a copy).
   *   Read freely; change only through the methods below.
   */
  constructor(readonly fields = new StringTable<string>()) {}

  /** True once Redis would have converted the hash to a hashtable. Invariant: never goes back to false. */
  private hashtable = false;
  /**
   * The fields as an array for O(1) random picks (HRANDFIELD), built on demand and dropped when a
   * field is added or removed (updating a value keeps it). Invariant: null or equal to [...fields.keys()].
   */
  private fieldArray: string[] | null = null;

  get size(): number {
    return this.fields.size;
  }

  /** True while Redis would keep this hash as a listpack. */
  get isListpack(): boolean {
    return !this.hashtable;
  }

  encoding(): string {
    return this.hashtable ? 'hashtable' : 'listpack';
  }

  /**
   * As Redis's MEMORY USAGE: the first `samples` fields' lengths stand for the average, 0 means
   * every field. Not tracked on each write: HSET would need a second lookup for the old value.
   */
  bytes(samples = 0): number {
    const cache = this.fieldArray === null ? 0 : this.fieldArray.length * POINTER_BYTES;
    const n = this.fields.size;
    let seen = 0;
    let payload = 0;
    for (const [f, v] of this.fields) {
      if (samples > 0 && seen === samples) break;
      payload += f.length + v.length;
      seen++;
    }
    const payloadBytes = seen === 0 ? 0 : Math.round((payload / seen) * n);
    return HASH_OBJECT_BYTES + n * ENTRY_OVERHEAD_BYTES + payloadBytes + cache;
  }

  clone(): HashValue {
    const copy = new HashValue(this.fields.copy());
    copy.hashtable = this.hashtable;
    return copy;
  }

  get(field: string): string | undefined {
    return this.fields.get(field);
  }

  has(field: string): boolean {
    return this.fields.has(field);
  }

  /**
   * Redis's hashTypeTryConversion: a write whose arguments include a string longer than the
   * listpack limit converts the hash before anything is stored, whether or not that string ends
   * up in the hash.
   */
  convertForArguments(argv: readonly string[], from: number, to: number): void {
    if (this.hashtable) return;
    for (let i = from; i < to; i++) {
      if (argv[i].length > HASH_LISTPACK_VALUE_BYTES_MAX) {
        this.hashtable = true;
        return;
      }
    }
  }

  /** Sets `field` to `value`; true when the field is new. Converts as Redis's hashTypeSet does. */
  set(field: string, value: string): boolean {
    if (!this.hashtable && (field.length > HASH_LISTPACK_VALUE_BYTES_MAX || value.length > HASH_LISTPACK_VALUE_BYTES_MAX)) {
      this.hashtable = true;
    }
    const fields = this.fields;
    assert(fields.size < HASH_FIELDS_MAX || fields.has(field), 'hash field limit');
    // One lookup: on a 100k-field hash each is a cache miss or more, the bulk of HSET's cost.
    if (!fields.set(field, value)) return false;
    this.fieldArray = null;
    if (fields.size > HASH_LISTPACK_ENTRIES_MAX) this.hashtable = true;
    return true;
  }

  /** Removes `field`; true when it was there. */
  delete(field: string): boolean {
    if (!this.fields.delete(field)) return false;
    this.fieldArray = null;
    return true;
  }

  /** The field at position `index` (0 <= index < size) in insertion order. */
  fieldAt(index: number): string {
    assert(index >= 0 && index < this.fields.size, 'hash field index out of range');
    this.fieldArray ??= [...this.fields.keys()];
    return this.fieldArray[index];
  }
}
