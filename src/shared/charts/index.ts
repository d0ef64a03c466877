/** Chart-option builders shared by the renderer (ECharts in the page) and the PDF (ECharts SSR). */
export * from './theme';
export * from './attack-accuracy';
export * from './accuracy-vs-eps';
export * from './model-comparison';
export * from './training-curves';
