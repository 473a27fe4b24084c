/**
 * Text formatting shared by the HTML and PNG renderers. Everything here is locale- and timezone-free (UTC, ASCII
 * digits, fixed separators) so that a report renders byte for byte the same on every machine.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML or SVG text node or a quoted attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Serialises a value as JSON that is safe inside an HTML `<script>` element: `<`, `>` and `&` become `\u` escapes
 * so that no `</script>` or `<!--` can appear, and U+2028/U+2029 are escaped for old JavaScript parsers. The
 * result still parses with `JSON.parse` to the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Groups the integer part in thousands with commas: `1234567.5` → `1,234,567.5`. */
function groupThousands(fixed: string): string {
  const [int = '', frac] = fixed.split('.');
  const sign = int.startsWith('-') ? '-' : '';
  const digits = sign ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return sign + grouped + (frac === undefined ? '' : `.${frac}`);
}

/** Formats a number with a fixed number of decimals and thousands separators; `-0.00` prints as `0.00`. */
export function fmtNumber(value: number, decimals = 2): string {
  const fixed = value.toFixed(decimals);
  // toFixed keeps the sign of tiny negatives ("-0.00"), which reads as a loss where there is none.
  return groupThousands(/^-0(\.0+)?$/.test(fixed) ? fixed.slice(1) : fixed);
}

/** Formats a percentage with an explicit sign: `12.345` → `+12.35%`. */
export function fmtSignedPct(value: number, decimals = 2): string {
  const body = fmtNumber(value, decimals);
  // The sign follows the printed digits, so a tiny gain that rounds to 0.00 gets no "+".
  const shown = Number(body.replace(/,/g, ''));
  return (shown > 0 ? '+' : '') + body + '%';
}

/** Formats a price with enough significant digits for cheap coins (DOGE at 0.07) and BTC alike. */
export function fmtPrice(value: number): string {
  const abs = Math.abs(value);
  const decimals = abs >= 1000 ? 2 : abs >= 1 ? 4 : abs >= 0.01 ? 6 : 8;
  return fmtNumber(value, decimals);
}

/** Formats a quantity, trimming trailing zeros (a quantity has no natural number of decimals). */
export function fmtQty(value: number): string {
  const fixed = value.toFixed(8).replace(/\.?0+$/, '');
  return groupThousands(fixed);
}

/**
 * Returns a formatter for the labels of one axis. All labels share one unit and one number of decimals, chosen
 * from the largest label and the tick step, so that an axis never mixes `14k` with `8,000` or `140.0000` with
 * `95`. Values reach `M`/`B` units only from a million up, where full digits stop fitting the axis.
 */
export function axisFormatter(values: readonly number[], step: number): (value: number) => string {
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const [div, unit] = maxAbs >= 1e9 ? [1e9, 'B'] : maxAbs >= 1e6 ? [1e6, 'M'] : [1, ''];
  const decimals = decimalsForStep(step / div);
  return (value) => fmtNumber(value / div, decimals) + unit;
}

/** Formats one log-axis label compactly with up to 3 significant digits: `20000` → `20k`, `0.005` → `0.005`. */
export function fmtLogTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${Number((value / 1e9).toPrecision(3))}B`;
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return groupThousands(String(Number(value.toPrecision(4))));
}

/** The number of decimals that print multiples of `step` exactly (2.5 needs 1, 0.05 needs 2, 20 needs 0). */
export function decimalsForStep(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let d = 0; d < 10; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 10;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Formats a timestamp (ms, UTC) as `2024-03-05 14:00`, or `2024-03-05` when it falls on midnight. */
export function fmtTime(ts: number): string {
  const d = new Date(ts);
  const day = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0) return day;
  return `${day} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

/** Formats a timestamp (ms, UTC) as a date only: `2024-03-05`. */
export function fmtDate(ts: number): string {
  return fmtTime(ts).slice(0, 10);
}
