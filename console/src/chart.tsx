import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import type { ComposeOption, EChartsType } from 'echarts/core';
import { useEffect, useRef, useState } from 'preact/hooks';

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

/** The console's colours, in series order: confirmed blue, arrived green, then the teams. */
export const CHART_COLOURS = [
  '#1d4ed8',
  '#15803d',
  '#b45309',
  '#7c3aed',
  '#be185d',
  '#0e7490',
  '#4d7c0f',
  '#9f1239',
  '#4338ca',
  '#a16207',
];

/**
 * An ECharts chart in a box sized by CSS. It follows the box (phone, desktop, the print
 * layout), draws without animation so what prints is what the data says, and carries a text
 * label for screen readers; the same figures are in the tables beside it.
 */
export function Chart(props: {
  option: ChartOption;
  label: string;
  class?: string;
  testId?: string;
  /** A height worked out from the data (bars per team); CSS sizes the box otherwise. */
  style?: { height: string };
}) {
  const box = useRef<HTMLDivElement>(null);
  const [chart, setChart] = useState<EChartsType>();

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let instance: EChartsType | undefined;
    let gone = false;
    const resize = () => instance?.resize();
    const observer = new ResizeObserver(resize);
    const print = window.matchMedia('print');
    void import('./echarts-setup').then(({ init }) => {
      if (gone) return;
      instance = init(element, undefined, { renderer: 'svg' });
      setChart(instance);
      observer.observe(element);
    });
    // Printing lays the page out again at paper width before the resize observer would run.
    window.addEventListener('beforeprint', resize);
    window.addEventListener('afterprint', resize);
    print.addEventListener('change', resize);
    return () => {
      observer.disconnect();
      window.removeEventListener('beforeprint', resize);
      window.removeEventListener('afterprint', resize);
      print.removeEventListener('change', resize);
      gone = true;
      instance?.dispose();
    };
  }, []);

  useEffect(() => {
    const fontFamily = box.current ? getComputedStyle(box.current).fontFamily : 'sans-serif';
    chart?.setOption(
      { animation: false, color: CHART_COLOURS, textStyle: { fontFamily }, ...props.option },
      true,
    );
  }, [chart, props.option]);

  return (
    <div
      ref={box}
      class={`chart ${props.class ?? ''}`}
      role="img"
      aria-label={props.label}
      data-testid={props.testId}
      style={props.style}
    />
  );
}
