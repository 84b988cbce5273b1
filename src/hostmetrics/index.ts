/**
 * Host metrics: a node_exporter 1.5-compatible collector of Linux host metrics from procfs, sysfs
 * and statfs, rendered in the Prometheus text format.
 */
export { COLLECTOR_NAMES, HostCollector, type HostCollectorOptions } from './collector.js';
export { DEFAULT_DISKSTATS_DEVICE_EXCLUDE } from './collectors/diskstats.js';
export { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from './collectors/filesystem.js';
export { DEFAULT_NETSTAT_FIELDS } from './collectors/netstat.js';
export { DEFAULT_VMSTAT_FIELDS } from './collectors/vmstat.js';
export { HostPatternError } from './filter.js';
export { MetricSet, type HostMetricType } from './metricset.js';
