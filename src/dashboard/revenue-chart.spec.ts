import { CHART, dayRange, revenueCharts } from './revenue-chart';

const USDC = { id: 'asset_usdc', symbol: 'USDC', decimals: 6 };
const ETH = { id: 'asset_eth', symbol: 'ETH', decimals: 18 };
const TODAY = new Date('2025-03-10T15:30:00Z');

describe(revenueCharts.name, () => {
  const days = dayRange(TODAY, 30);

  it('covers the 30 UTC days ending today, oldest first', () => {
    expect(days).toHaveLength(30);
    expect(days[0]).toBe('2025-02-09');
    expect(days[29]).toBe('2025-03-10');
  });

  it('scales bars to the busiest day and places them by day', () => {
    const [chart] = revenueCharts(
      [
        { assetId: USDC.id, day: '2025-03-10', total: 20_000_000n },
        { assetId: USDC.id, day: '2025-02-09', total: 5_000_000n },
      ],
      days,
      [USDC],
    );
    expect(chart.total).toBe('25 USDC');
    expect(chart.peak).toBe('20 USDC');
    expect(chart.bars).toHaveLength(2);
    const [first, last] = chart.bars;
    const plot = CHART.baseline - CHART.plotTop;
    expect(last.height).toBe(plot);
    expect(last.y).toBe(CHART.plotTop);
    expect(first.height).toBe(plot / 4);
    expect(first.x).toBeLessThan(last.x);
    expect(last.x + last.width).toBeLessThanOrEqual(CHART.width);
    expect(first.title).toBe('9 Feb: 5 USDC');
  });

  it('keeps assets apart and skips assets without revenue or outside the window', () => {
    const charts = revenueCharts(
      [
        { assetId: ETH.id, day: '2025-03-01', total: 10n ** 36n },
        { assetId: ETH.id, day: '2025-03-02', total: 1n },
        { assetId: USDC.id, day: '2024-12-31', total: 1_000_000n },
      ],
      days,
      [USDC, ETH],
    );
    expect(charts.map((c) => c.symbol)).toEqual(['ETH']);
    // Amounts far beyond a double's exact range still scale; a tiny day still shows one pixel.
    expect(charts[0].bars.map((b) => b.height)).toEqual([CHART.baseline - CHART.plotTop, 1]);
    for (const bar of charts[0].bars) for (const n of [bar.x, bar.y, bar.width, bar.height]) expect(Number.isFinite(n)).toBe(true);
  });
});
