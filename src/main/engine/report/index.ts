/** PDF robustness reports: plain ReportData in, PDF and JSON out. */
export * from './types';
export { loadReportData, ReportInputError, configHashOf, type LoadReportOptions } from './load';
export { renderReportPdf } from './render';
export { appVersion } from './app-version';
export { writeReport, writeReportJson, type WrittenFile } from './write';
export { exportReport } from './export';
export { reportToJson, parseReportJson, ReportJsonError } from './json';
export { verdictLine } from './sections/title';
export { encodePng, differencePixels } from './images';
export * from './format';
