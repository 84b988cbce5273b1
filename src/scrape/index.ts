/**
 * Scraping: discovery (static, file, HTTP), relabeling, scrape pools and loops, staleness
 * markers, target health, `up` and `scrape_*` series, and the targets/metadata API data.
 */
export { ScrapeManager, type ScrapeManagerOptions } from './manager.js';
export { relabel, relabelBuilder, hashmod, makeRelabelConfig, type RelabelConfig, type RelabelAction } from '../config/relabel.js';
export { populateLabels, targetURL, Target, type TargetHealth, type PopulateResult } from './target.js';
export { ScrapeCache } from './cache.js';
export { appendScrape, appendFailed, ScrapeAppend, mutateSampleLabels, AppendError, type AppendOptions, type AppendStats } from './append.js';
export { acceptHeader, formatForContentType } from './protocol.js';
export { globalURL, type TargetsJSON, type ActiveTargetJSON, type MetadataJSON, type GlobalURLOptions } from './api.js';
export { assertSupportedDiscovery, unsupportedDiscovery, UnsupportedDiscoveryError } from './unsupported.js';
