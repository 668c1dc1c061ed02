import { BarChart, type BarSeriesOption, LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'preact/hooks';

// Only what the report draws: lines and bars on a grid, a legend, a tooltip, drawn as SVG so that
// print is sharp at any scale.
use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

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
  const chart = useRef<ReturnType<typeof init> | undefined>(undefined);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const instance = init(element, undefined, { renderer: 'svg' });
    chart.current = instance;
    const resize = () => instance.resize();
    const observer = new ResizeObserver(resize);
    observer.observe(element);
    // Printing lays the page out again at paper width before the resize observer would run.
    const print = window.matchMedia('print');
    window.addEventListener('beforeprint', resize);
    window.addEventListener('afterprint', resize);
    print.addEventListener('change', resize);
    return () => {
      observer.disconnect();
      window.removeEventListener('beforeprint', resize);
      window.removeEventListener('afterprint', resize);
      print.removeEventListener('change', resize);
      instance.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    const fontFamily = box.current ? getComputedStyle(box.current).fontFamily : 'sans-serif';
    chart.current?.setOption(
      { animation: false, color: CHART_COLOURS, textStyle: { fontFamily }, ...props.option },
      true,
    );
  }, [props.option]);

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
