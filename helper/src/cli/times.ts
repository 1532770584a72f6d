// Docker's forms for a point in time (`logs --since/--until`) and a size
// (`--log-opt max-size`), turned into numbers the contract carries.

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

// RFC 3339 ("2026-11-30T21:00:00Z", a date alone, a time without zone as
// UTC), Unix seconds ("1764536400", "1764536400.5") or a Go duration
// before now ("10m", "1h30m", "90s"). ms since the epoch.
export function parseTime(v: string, now = Date.now()): number {
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) {
    let ms = 0;
    for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * DURATION_UNITS[m[2]];
    return Math.max(0, Math.round(now - ms));
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(s) || s.length === 10 ? s : `${s}Z`;
    const t = Date.parse(zoned.replace(' ', 'T'));
    if (!Number.isNaN(t)) return t;
  }
  throw new Error(`invalid value for time "${v}": want RFC 3339 (2006-01-02T15:04:05Z), Unix seconds, or a duration such as 10m`);
}

// "10m", "1g", "512k", "4096": bytes (Docker's RAMInBytes: powers of 1024)
export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(v.trim());
  if (!m) throw new Error(`invalid size "${v}": want a number with an optional unit k, m or g (e.g. 10m)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase()]!;
  return Math.floor(Number(m[1]) * mult);
}
