import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

// Only what the report draws: lines and bars on a grid, a legend, a tooltip, drawn as SVG so that
// print is sharp at any scale. Loaded on first use, so the key and the board never wait for it.
use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export { init };
