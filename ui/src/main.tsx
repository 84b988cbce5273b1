import { render } from 'preact';
import { useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { navigate, useLocation } from './router';
import { QueryPage } from './pages/query';
import { DashboardsPage } from './pages/dashboards';
import { TargetsPage } from './pages/targets';
import { ServiceDiscoveryPage } from './pages/service-discovery';
import { AlertsPage } from './pages/alerts';
import { AlertmanagerPage } from './pages/alertmanager';
import { RulesPage } from './pages/rules';
import { BacktestPage } from './pages/backtest';
import { SlosPage } from './pages/slos';
import { TsdbStatusPage } from './pages/tsdb-status';
import { ConfigPage } from './pages/config';
import { FlagsPage } from './pages/flags';
import { RuntimePage } from './pages/runtime';
import { LogsPage } from './pages/logs';
import { setTheme, useTheme } from './theme';

const PAGES = [
  { path: '/query', title: 'Explore', page: QueryPage },
  { path: '/dashboards', title: 'Dashboards', page: DashboardsPage },
  { path: '/logs', title: 'Logs', page: LogsPage },
  { path: '/alerts', title: 'Alerts', page: AlertsPage },
  { path: '/alertmanager', title: 'Alertmanager', page: AlertmanagerPage },
  { path: '/targets', title: 'Targets', page: TargetsPage },
  { path: '/service-discovery', title: 'Service discovery', page: ServiceDiscoveryPage },
  { path: '/rules', title: 'Rules', page: RulesPage },
  { path: '/slos', title: 'SLOs', page: SlosPage },
  { path: '/backtest', title: 'Backtest', page: BacktestPage },
];

/** Status pages, in the navigation bar's "Status" menu. */
const STATUS_PAGES = [
  { path: '/tsdb-status', title: 'TSDB status', page: TsdbStatusPage },
  { path: '/config', title: 'Configuration', page: ConfigPage },
  { path: '/flags', title: 'Flags', page: FlagsPage },
  { path: '/runtime', title: 'Runtime & build info', page: RuntimePage },
];

function ThemeToggle() {
  const theme = useTheme();
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" class="theme-toggle" title={`Switch to the ${next} theme`} data-theme-now={theme} onClick={() => setTheme(next)}>
      {theme === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );
}

function StatusMenu(props: { current?: { path: string } }) {
  const [open, setOpen] = useState(false);
  const active = STATUS_PAGES.some((p) => p === props.current);
  return (
    <span class="status-menu" onMouseLeave={() => setOpen(false)}>
      <a href="#" class={active ? 'active' : ''} onClick={(e) => (e.preventDefault(), setOpen(!open))}>
        Status ▾
      </a>
      {open && (
        <div class="status-menu-items" onClick={() => setOpen(false)}>
          {STATUS_PAGES.map((p) => (
            <Link href={p.path} class={p === props.current ? 'active' : ''}>
              {p.title}
            </Link>
          ))}
        </div>
      )}
    </span>
  );
}

function Link(props: { href: string; class?: string; children: preact.ComponentChildren }) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

function App() {
  const { path } = useLocation();
  const current =
    [...PAGES, ...STATUS_PAGES].find((p) => path === p.path || path.startsWith(p.path + '/')) ?? (path === '/graph' ? PAGES[0] : undefined);
  const Page = current?.page;
  return (
    <>
      <nav class="navbar">
        <Link href="/query" class="brand">
          <span class="logo" /> Lookout
        </Link>
        {PAGES.map((p) => (
          <Link href={p.path} class={p === current ? 'active' : ''}>
            {p.title}
          </Link>
        ))}
        <StatusMenu current={current} />
        <span class="spacer" />
        <ThemeToggle />
      </nav>
      <main>{Page ? <Page /> : <p class="empty">Page not found: {path}</p>}</main>
    </>
  );
}

// Alertmanager's own links (`/#/alerts?receiver=…`, `/#/silences/…`) land on the Alertmanager page.
if (/^#\/(alerts|silences)/.test(location.hash)) navigate('/alertmanager', true);

render(<App />, document.getElementById('app')!);
