import { formatAmount } from '../portal/view-helpers';

// A bar chart as numbers only: the template draws <rect>s from these, so no markup is built
// from data and no chart library runs in the browser.
export const CHART = { width: 600, height: 170, plotTop: 12, baseline: 142, labelY: 162, gap: 3 } as const;

export interface ChartAsset {
  id: string;
  symbol: string;
  decimals: number;
}

export interface ChartBar {
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
}

export interface RevenueChart {
  assetId: string;
  symbol: string;
  total: string;
  peak: string;
  bars: ChartBar[];
  width: number;
  height: number;
  baseline: number;
  labelY: number;
  firstDay: string;
  lastDay: string;
  summary: string;
}

// The `days` UTC dates ending on `today`, oldest first, as YYYY-MM-DD.
export function dayRange(today: Date, days: number): string[] {
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Array.from({ length: days }, (_v, i) => new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

const DAY_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

function dayLabel(day: string): string {
  return DAY_LABEL.format(new Date(`${day}T00:00:00Z`));
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

// One chart per asset (amounts in different assets do not add up), bars scaled to the busiest day.
export function revenueCharts(rows: { assetId: string; day: string; total: bigint }[], days: string[], assets: readonly ChartAsset[]): RevenueChart[] {
  const byAsset = new Map<string, Map<string, bigint>>();
  for (const row of rows) {
    if (!days.includes(row.day)) continue;
    const perDay = byAsset.get(row.assetId) ?? new Map<string, bigint>();
    perDay.set(row.day, (perDay.get(row.day) ?? 0n) + row.total);
    byAsset.set(row.assetId, perDay);
  }
  const slot = CHART.width / days.length;
  const plotHeight = CHART.baseline - CHART.plotTop;
  const charts: RevenueChart[] = [];
  for (const asset of assets) {
    const perDay = byAsset.get(asset.id);
    if (!perDay) continue;
    const values = days.map((d) => perDay.get(d) ?? 0n);
    const max = values.reduce((a, b) => (b > a ? b : a), 0n);
    const total = values.reduce((a, b) => a + b, 0n);
    if (max === 0n) continue;
    const bars = values.flatMap((value, i): ChartBar[] => {
      if (value === 0n) return [];
      // Scaled in bigint first: base-unit amounts overflow a double's exact range.
      const height = Math.max(1, round2((Number((value * 1_000_000n) / max) / 1_000_000) * plotHeight));
      return [{ x: round2(i * slot + CHART.gap / 2), y: round2(CHART.baseline - height), width: round2(slot - CHART.gap), height, title: `${dayLabel(days[i])}: ${formatAmount(value, asset.decimals, asset.symbol)}` }];
    });
    charts.push({
      assetId: asset.id,
      symbol: asset.symbol,
      total: formatAmount(total, asset.decimals, asset.symbol),
      peak: formatAmount(max, asset.decimals, asset.symbol),
      bars,
      width: CHART.width,
      height: CHART.height,
      baseline: CHART.baseline,
      labelY: CHART.labelY,
      firstDay: dayLabel(days[0]),
      lastDay: dayLabel(days[days.length - 1]),
      summary: `${asset.symbol} revenue per day from ${dayLabel(days[0])} to ${dayLabel(days[days.length - 1])}: ${formatAmount(total, asset.decimals, asset.symbol)} in total, at most ${formatAmount(max, asset.decimals, asset.symbol)} in one day.`,
    });
  }
  return charts;
}
