/**
 * `uname` collector, as node_exporter 1.5: `node_uname_info{sysname,release,version,machine,nodename,domainname} 1`.
 * The first five fields come from the uname system call (through Node's `os` module); the NIS
 * domain name, which Node does not expose, is read from `<procfs>/sys/kernel/domainname` (the same
 * kernel value) and is `(none)` when unreadable, as the kernel reports an unset domain.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import type { Collector } from '../types.js';

/** The `uname` collector. */
export class UnameCollector implements Collector {
  readonly name = 'uname';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    let domainname = '(none)';
    try {
      domainname = (await readFile(this.paths.proc('sys/kernel/domainname'), 'utf8')).trim();
    } catch {
      // Keep the kernel's text for an unset domain.
    }
    out.add('node_uname_info', 'gauge', 'Labeled system information as provided by the uname system call.', 1, {
      sysname: os.type(),
      release: os.release(),
      version: os.version(),
      machine: os.machine(),
      nodename: os.hostname(),
      domainname,
    });
  }
}
