/**
 * CRC-64/Jones as Redis computes it (crc64.c): polynomial 0xad93d23594c935a9, reflected input and
 * output, initial value 0, no final xor. Check value: crc64("123456789") = 0xe9c6d914c4b8d9ca.
 * RDB files end with it (over every byte before it) and DUMP payloads carry it.
 *
 * JS has no fast 64-bit integers, so the register is two 32-bit halves and the tables are split
 * the same way. Slicing-by-8: eight tables let the loop consume eight bytes per step.
 */

/** The reflected polynomial (bit-reverse of 0xad93d23594c935a9), as two halves. */
const POLY_REFLECTED_HI = 0x95ac9329;
const POLY_REFLECTED_LO = 0xac4bc9b5;

/** tableLo[k * 256 + i] / tableHi[...]: the CRC of byte i followed by k zero bytes. */
const tableLo = new Uint32Array(8 * 256);
const tableHi = new Uint32Array(8 * 256);

for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let bit = 0; bit < 8; bit++) {
    const lsb = lo & 1;
    lo = (lo >>> 1) | ((hi & 1) << 31);
    hi >>>= 1;
    if (lsb !== 0) {
      lo ^= POLY_REFLECTED_LO;
      hi ^= POLY_REFLECTED_HI;
    }
  }
  tableLo[i] = lo >>> 0;
  tableHi[i] = hi >>> 0;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const prevLo = tableLo[(k - 1) * 256 + i];
    const prevHi = tableHi[(k - 1) * 256 + i];
    const idx = prevLo & 0xff;
    tableLo[k * 256 + i] = (((prevLo >>> 8) | (prevHi << 24)) ^ tableLo[idx]) >>> 0;
    tableHi[k * 256 + i] = ((prevHi >>> 8) ^ tableHi[idx]) >>> 0;
  }
}

/** An incremental CRC-64/Jones: feed it with update(), read it with value() or bytes(). */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  /** Feeds `data[start, end)`. */
  update(data: Uint8Array, start = 0, end = data.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let p = start;
    const tLo = tableLo;
    const tHi = tableHi;
    // Eight bytes per step.
    const fastEnd = end - 8;
    while (p <= fastEnd) {
      const a = lo ^ (data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24));
      const b = hi ^ (data[p + 4] | (data[p + 5] << 8) | (data[p + 6] << 16) | (data[p + 7] << 24));
      lo =
        tLo[1792 + (a & 0xff)] ^ tLo[1536 + ((a >>> 8) & 0xff)] ^ tLo[1280 + ((a >>> 16) & 0xff)] ^ tLo[1024 + (a >>> 24)] ^
        tLo[768 + (b & 0xff)] ^ tLo[512 + ((b >>> 8) & 0xff)] ^ tLo[256 + ((b >>> 16) & 0xff)] ^ tLo[b >>> 24];
      hi =
        tHi[1792 + (a & 0xff)] ^ tHi[1536 + ((a >>> 8) & 0xff)] ^ tHi[1280 + ((a >>> 16) & 0xff)] ^ tHi[1024 + (a >>> 24)] ^
        tHi[768 + (b & 0xff)] ^ tHi[512 + ((b >>> 8) & 0xff)] ^ tHi[256 + ((b >>> 16) & 0xff)] ^ tHi[b >>> 24];
      p += 8;
    }
    for (; p < end; p++) {
      const idx = (lo ^ data[p]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ tLo[idx];
      hi = (hi >>> 8) ^ tHi[idx];
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** The CRC so far as an unsigned 64-bit integer. */
  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The CRC so far as 8 little-endian bytes, as it is stored in RDB files and DUMP payloads. */
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }

  /** True when the CRC so far equals the 8 little-endian bytes at `data[at]`. */
  equalsBytes(data: Uint8Array, at: number): boolean {
    const lo = (data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24)) >>> 0;
    const hi = (data[at + 4] | (data[at + 5] << 8) | (data[at + 6] << 16) | (data[at + 7] << 24)) >>> 0;
    return lo === this.lo && hi === this.hi;
  }
}

/** CRC-64/Jones of `data[start, end)`. */
export function crc64(data: Uint8Array, start = 0, end = data.length): bigint {
  return new Crc64().update(data, start, end).value();
}
