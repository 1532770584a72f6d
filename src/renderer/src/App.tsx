import { lazy, Suspense, useEffect, useState } from 'react';
import { initialCollapsed, rememberCollapsed } from './lib/sidebar-pref';
import { useBerth } from './api/context';
import { useBerthPrefetch, useBerthQuery } from './api/hooks';
import { HelperBanner } from './components/HelperBanner';
import { Sidebar, VIEWS, type ViewId } from './components/Sidebar';
import { StatusBar } from './components/StatusBar';
import type { OpenTarget, OpenView } from './lib/navigation';
import { ActivityView } from './views/ActivityView';
import { CleanupView, PLAN_FRESH_MS, PLAN_PARAMS } from './views/cleanup/CleanupView';
import { NAT_FIRST_PAGE, NatView } from './views/nat/NatView';
import { PortsView } from './views/ports/PortsView';
// React Flow is most of the bundle: loaded when the Topology view is first opened
const TopologyView = lazy(() => import('./views/topology/TopologyView').then((m) => ({ default: m.TopologyView })));
import { ContainersView } from './views/ContainersView';
import { NetworksView } from './views/NetworksView';

function initialView(): ViewId {
  const h = typeof location !== 'undefined' ? location.hash.replace('#', '') : '';
  return VIEWS.some((v) => v.id === h) ? (h as ViewId) : 'networks';
}

export function App() {
  const [view, setView] = useState<ViewId>(initialView);
  const { helper } = useBerth();
  const prefetch = useBerthPrefetch();
  // The views whose first call reads the whole host (seconds with tens of thousands of
  // rules) start it when the user heads for them; Cleanup's plan also as soon as the
  // helper connects, so it is there when the view opens (docs/decisions.md, "Cleanup").
  const intent = (v: ViewId) => {
    if (v === 'cleanup') prefetch('cleanup.plan', PLAN_PARAMS, PLAN_FRESH_MS);
    if (v === 'nat') prefetch('nat.query', NAT_FIRST_PAGE);
  };
  useEffect(() => {
    if (helper.state === 'connected') prefetch('cleanup.plan', PLAN_PARAMS, PLAN_FRESH_MS);
  }, [helper.state, prefetch]);
  const networks = useBerthQuery('network.list', {});
  const containers = useBerthQuery('container.list', { all: true });
  // consumed once by the view it names, then cleared
  const [focus, setFocus] = useState<OpenTarget | null>(null);
  const select = (v: ViewId) => {
    setView(v);
    setFocus(null);
    history.replaceState(null, '', `#${v}`);
  };
  const open: OpenView = (v, target) => {
    select(v);
    if (target) setFocus({ ...target });
  };
  const focused = () => setFocus(null);
  const [collapsed, setCollapsed] = useState(initialCollapsed);
  const toggle = () => setCollapsed((c) => rememberCollapsed(!c));
  return (
    <div className={collapsed ? 'app sidebar-collapsed' : 'app'}>
      <Sidebar current={view} onSelect={select} onIntent={intent} badges={{ networks: networks.data?.length, containers: containers.data?.length }} collapsed={collapsed} onToggle={toggle} />
      <main className="main" id="main">
        {helper.state !== 'connected' && <HelperBanner state={helper} />}
        {view === 'networks' && <NetworksView focus={focus?.network} onFocused={focused} />}
        {view === 'containers' && <ContainersView focus={focus} onFocused={focused} />}
        {view === 'activity' && <ActivityView />}
        {view === 'topology' && (
          <Suspense fallback={<p className="loading" role="status">Loading topology…</p>}>
            <TopologyView onOpen={open} />
          </Suspense>
        )}
        {view === 'ports' && <PortsView />}
        {view === 'nat' && <NatView onOpen={open} />}
        {view === 'cleanup' && <CleanupView onOpen={open} />}
      </main>
      <StatusBar />
    </div>
  );
}
