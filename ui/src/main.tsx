import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { navigate, useLocation } from './router';
import { QueryPage } from './pages/query';
import { TargetsPage } from './pages/targets';
import { ServiceDiscoveryPage } from './pages/service-discovery';
import { AlertsPage } from './pages/alerts';
import { AlertmanagerPage } from './pages/alertmanager';
import { RulesPage } from './pages/rules';
import { BacktestPage } from './pages/backtest';
import { SlosPage } from './pages/slos';

const PAGES = [
  { path: '/query', title: 'Query', page: QueryPage },
  { path: '/alerts', title: 'Alerts', page: AlertsPage },
  { path: '/alertmanager', title: 'Alertmanager', page: AlertmanagerPage },
  { path: '/targets', title: 'Targets', page: TargetsPage },
  { path: '/service-discovery', title: 'Service discovery', page: ServiceDiscoveryPage },
  { path: '/rules', title: 'Rules', page: RulesPage },
  { path: '/slos', title: 'SLOs', page: SlosPage },
  { path: '/backtest', title: 'Backtest', page: BacktestPage },
];

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
  const current = PAGES.find((p) => path === p.path || path.startsWith(p.path + '/')) ?? (path === '/graph' ? PAGES[0] : undefined);
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
      </nav>
      <main>{Page ? <Page /> : <p class="empty">Page not found: {path}</p>}</main>
    </>
  );
}

// Alertmanager's own links (`/#/alerts?receiver=…`, `/#/silences/…`) land on the Alertmanager page.
if (/^#\/(alerts|silences)/.test(location.hash)) navigate('/alertmanager', true);

render(<App />, document.getElementById('app')!);
