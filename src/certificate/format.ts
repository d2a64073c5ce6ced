import { InvalidInputError } from '../core/index.js';

/**
 * Data volume in decimal gigabytes (1 GB = 10^9 bytes) to three decimals,
 * rounded half up, as the transfer forms ask ("12.345 GB").
 *
 * Integer arithmetic (BigInt) so that values above 2^53 bytes and exact
 * halves round the same on every machine; floating point would turn
 * 1 500 000 bytes into 0.0014999… on some inputs.
 */
export function formatGigabytes(bytes: number | bigint): string {
  const b = toByteCount(bytes);
  const thousandths = (b + 500_000n) / 1_000_000n;
  const whole = thousandths / 1000n;
  const frac = (thousandths % 1000n).toString().padStart(3, '0');
  return `${whole.toString()}.${frac}`;
}

/** 1234567 → "1,234,567": counts and byte totals are read aloud at the service window. */
export function formatCount(n: number | bigint): string {
  const s = toByteCount(n).toString();
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * "2026年11月21日 22:05:09": Beijing time (UTC+8). China has had no daylight
 * saving since 1991, so a fixed offset is exact for every date we issue and
 * does not depend on the server's TZ or its ICU data.
 */
export function formatBeijingTime(date: Date): string {
  const { y, mo, d, h, mi, s } = beijingParts(date);
  return `${y}年${mo}月${d}日 ${h}:${mi}:${s}`;
}

/** "2026年11月21日" in Beijing time: the issue date under the issuer's name. */
export function formatBeijingDate(date: Date): string {
  const { y, mo, d } = beijingParts(date);
  return `${y}年${mo}月${d}日`;
}

function beijingParts(date: Date): Record<'y' | 'mo' | 'd' | 'h' | 'mi' | 's', string> {
  const t = date.getTime();
  if (!Number.isFinite(t)) {
    throw new InvalidInputError({ zh: '无效的日期时间', en: 'invalid date' });
  }
  const b = new Date(t + BEIJING_OFFSET_MS);
  const two = (n: number): string => String(n).padStart(2, '0');
  return {
    y: String(b.getUTCFullYear()),
    mo: two(b.getUTCMonth() + 1),
    d: two(b.getUTCDate()),
    h: two(b.getUTCHours()),
    mi: two(b.getUTCMinutes()),
    s: two(b.getUTCSeconds()),
  };
}

function toByteCount(n: number | bigint): bigint {
  if (typeof n === 'bigint') {
    if (n >= 0n) return n;
  } else if (Number.isSafeInteger(n) && n >= 0) {
    return BigInt(n);
  }
  throw new InvalidInputError(
    { zh: `数量必须是非负整数：${String(n)}`, en: `count must be a non-negative integer: ${String(n)}` },
    { details: { value: String(n) } },
  );
}
