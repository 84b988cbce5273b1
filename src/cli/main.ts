#!/usr/bin/env node
/**
 * The `lookout` command: `server` (the whole stack), `alertmanager` (standalone Alertmanager,
 * incl. `alertmanager routes test`), `node-exporter` (standalone host collector), and
 * `check config|rules|alertmanager`.
 *
 * Each command's module is imported only when that command runs, so `lookout server` does not
 * load (and spend startup time on) the code of the other commands.
 */
import { ConfigError } from '../config/yaml.js';
import { bool, FlagError, parseFlags, usage, type FlagSpecs } from './flags.js';
import { VERSION } from './paths.js';

const HELP = `usage: lookout <command> [<flags>] [<args>...]

Lookout ${VERSION}: metrics, alerts and dashboards in one process, compatible with Prometheus,
Alertmanager and node_exporter.

Commands:
  server                 Run the whole stack (scrape, TSDB, PromQL API, rules, Alertmanager, UI).
  alertmanager           Run the Alertmanager alone.
  alertmanager routes test [--config.file=F] label=value...
                         Print the receivers an alert with these labels reaches.
  node-exporter          Run the host collector alone (node_exporter compatible).
  check config FILE...   Validate prometheus.yml files and their rule files.
  check rules FILE...    Validate rule files.
  check alertmanager FILE...
                         Validate alertmanager.yml files.
  check metrics          Lint text-format metrics read from stdin (promtool check metrics).
  tsdb dump [DIR]        Print every sample of a data directory (promtool tsdb dump).
  tsdb analyze [DIR [BLOCK_ID]]
                         Cardinality report of a block (promtool tsdb analyze).
  tsdb create-blocks-from openmetrics FILE [DIR]
                         Backfill: write the samples of an OpenMetrics file as blocks.
  tsdb snapshot [--url=URL] [--skip-head]
                         Snapshot a running server's data directory (needs --web.enable-admin-api).
  test rules FILE...     Run rule unit tests (promtool test rules format).
  slo generate FILE      Print the recording rules and burn-rate alerts generated from an SLO file.
  backtest rules FILE... --from T --url URL
                         Evaluate rule files over stored history: when alerts would have fired.

Run 'lookout <command> --help' for the flags of a command.
`;

function out(line: string): void {
  process.stdout.write(line + '\n');
}

function parse(argv: string[], specs: FlagSpecs, command: string, summary: string, args = '') {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage(command, summary, specs, args));
    process.exit(0);
  }
  return parseFlags(argv, specs);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'server': {
      const { runServer, SERVER_FLAGS } = await import('./server.js');
      await runServer(parse(rest, SERVER_FLAGS, 'server', 'Run the whole stack.'));
      return 0;
    }
    case 'alertmanager': {
      const { runAlertmanager, ALERTMANAGER_FLAGS, routesTest, ROUTES_TEST_FLAGS } = await import('./alertmanager.js');
      if (rest[0] === 'routes' && rest[1] === 'test') {
        const f = parse(rest.slice(2), ROUTES_TEST_FLAGS, 'alertmanager routes test', 'Test alert routing.', 'label=value...');
        return routesTest(f, out);
      }
      await runAlertmanager(parse(rest, ALERTMANAGER_FLAGS, 'alertmanager', 'Run the Alertmanager alone.'));
      return 0;
    }
    case 'node-exporter': {
      const { runNodeExporter, NODE_EXPORTER_FLAGS } = await import('./node-exporter.js');
      await runNodeExporter(parse(rest, NODE_EXPORTER_FLAGS, 'node-exporter', 'Run the host collector alone.'));
      return 0;
    }
    case 'test': {
      const [what, ...args] = rest;
      const { testRules, TEST_RULES_FLAGS } = await import('./test-rules.js');
      if (what === 'rules' && (args.includes('--help') || args.includes('-h'))) {
        process.stdout.write(usage('test rules', 'Unit tests for rules (the promtool test rules format).', TEST_RULES_FLAGS, 'FILE...'));
        return 0;
      }
      if (what !== 'rules') throw new FlagError(`unknown test "${what ?? ''}": expected lookout test rules FILE...`);
      return testRules(args, out, (line) => process.stderr.write(line + '\n'));
    }
    case 'backtest': {
      const [what, ...args] = rest;
      const { backtest, BACKTEST_FLAGS } = await import('./backtest.js');
      if (what === 'rules' && (args.includes('--help') || args.includes('-h'))) {
        process.stdout.write(usage('backtest rules', 'Evaluate rule files over the history of a Prometheus-API server.', BACKTEST_FLAGS, 'FILE...'));
        return 0;
      }
      if (what !== 'rules') throw new FlagError(`unknown backtest "${what ?? ''}": expected lookout backtest rules FILE...`);
      return backtest(args, out);
    }
    case 'slo': {
      const [what, ...args] = rest;
      if (what !== 'generate' || args.length !== 1 || args[0]!.startsWith('-')) {
        throw new FlagError('expected lookout slo generate FILE');
      }
      const [{ loadSloFile }, { sloRulesYaml }] = await Promise.all([import('../rules/slo/config.js'), import('../rules/slo/generate.js')]);
      process.stdout.write(sloRulesYaml(loadSloFile(args[0]!)));
      return 0;
    }
    case 'check': {
      const [what, ...files] = rest;
      if (what === 'metrics') {
        const { checkMetrics, CHECK_METRICS_FLAGS, readStdin } = await import('./check-metrics.js');
        const f = parse(files, CHECK_METRICS_FLAGS, 'check metrics', 'Lint Prometheus text-format metrics read from stdin, as promtool check metrics.');
        if (f.positionals.length > 0) throw new FlagError(`unexpected ${f.positionals[0]}: metrics are read from stdin`);
        return checkMetrics(await readStdin(), bool(f, 'extended'), out, (line) => process.stderr.write(line + '\n'));
      }
      if (what === '--help' || what === '-h' || files.includes('--help')) {
        out('usage: lookout check config|rules|alertmanager FILE...\n\nValidate prometheus.yml files (and their rule files), rule files, or alertmanager.yml files.');
        return 0;
      }
      if (files.length === 0) throw new FlagError(`missing files: lookout check ${what ?? 'config|rules|alertmanager'} FILE...`);
      const { checkAlertmanager, checkConfig, checkRules } = await import('./check.js');
      if (what === 'config') return checkConfig(files, out);
      if (what === 'rules') return checkRules(files, out);
      if (what === 'alertmanager') return checkAlertmanager(files, out);
      throw new FlagError(`unknown check "${what}": expected config, rules or alertmanager`);
    }
    case 'tsdb': {
      const [what, ...args] = rest;
      const { tsdbAnalyze, TSDB_ANALYZE_FLAGS, TSDB_CREATE_BLOCKS_FLAGS, tsdbCreateBlocks, tsdbDump, TSDB_DUMP_FLAGS } = await import('./tsdb.js');
      const { TSDB_SNAPSHOT_FLAGS, tsdbSnapshot } = await import('./tsdb-snapshot.js');
      if (what === 'dump') return tsdbDump(parse(args, TSDB_DUMP_FLAGS, 'tsdb dump', 'Print the samples of a data directory.', '[DIR]'), out);
      if (what === 'analyze') return tsdbAnalyze(parse(args, TSDB_ANALYZE_FLAGS, 'tsdb analyze', 'Cardinality report of a block.', '[DIR [BLOCK_ID]]'), out);
      if (what === 'create-blocks-from') {
        const summary = 'Write the samples of an OpenMetrics file as blocks (backfill).';
        return tsdbCreateBlocks(parse(args, TSDB_CREATE_BLOCKS_FLAGS, 'tsdb create-blocks-from', summary, 'openmetrics FILE [DIR]'), out);
      }
      if (what === 'snapshot') {
        const summary = "Ask a running server (started with --web.enable-admin-api) for a snapshot of its data directory.";
        return tsdbSnapshot(parse(args, TSDB_SNAPSHOT_FLAGS, 'tsdb snapshot', summary), out, (line) => process.stderr.write(line + '\n'));
      }
      throw new FlagError(`unknown tsdb command "${what ?? ''}": expected lookout tsdb dump|analyze|create-blocks-from|snapshot`);
    }
    case '--version':
    case 'version':
      out(`lookout, version ${VERSION} (node ${process.version})`);
      return 0;
    case undefined:
      process.stderr.write(HELP);
      return 1;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      throw new FlagError(`unknown command "${cmd}"`);
  }
}

/**
 * The one line printed for a command that failed (startup errors included: bad flag values, port
 * in use, a held TSDB lock, unreadable state files): `lookout: error: <reason>`, as kingpin
 * programs print theirs. The JavaScript stack follows only with `--log.level=debug`.
 */
function errorLine(e: unknown): string {
  if (e instanceof FlagError) return `lookout: error: ${e.message}, try --help`;
  if (e instanceof ConfigError) return `lookout: error loading config: ${e.message}`;
  const message = e instanceof Error ? e.message : String(e);
  return `lookout: error: ${message.replace(/\s*\n\s*/g, ' ')}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(errorLine(e) + '\n');
    if (e instanceof Error && e.stack && process.argv.includes('--log.level=debug')) process.stderr.write(e.stack + '\n');
    process.exit(1);
  },
);
