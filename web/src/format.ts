/** Sizes as people read them: 1,234 B, 12.3 KiB … (binary units, as storage is sold and shown by Windows). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n.toLocaleString()} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** A time as the reader's locale writes it. */
export function formatTime(iso: string, lang: 'zh' | 'en'): string {
  return new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
}
