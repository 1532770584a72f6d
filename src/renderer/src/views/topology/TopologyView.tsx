import { useCallback, useMemo, useState, type KeyboardEvent } from 'react';
import { Background, BackgroundVariant, Controls, MiniMap, Panel, ReactFlow, ReactFlowProvider, type NodeChange } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useBerthQuery } from '../../api/hooks';
import type { OpenView } from '../../lib/navigation';
import { failedWithoutData, keptTogether, LoadError, RefreshError } from '../../components/RefreshError';
import { PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { buildTopology } from './layout';
import type { TopoData, TopoEdge, TopoNode } from './model';
import { edgeTypes, nodeTypes } from './nodes';
import { GettingStarted, TopologyDetails } from './TopologyDetails';

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
const miniColor = (n: TopoNode) => `var(--topo-${(n.data as TopoData).kind}-mini)`;

// The live graph of the host: bridges, veths, containers and published
// ports. Data comes from the same queries as the other views, so helper
// events re-lay it out; the viewport stays where the user left it.
export function TopologyView({ onOpen }: { onOpen?: OpenView }) {
  const networks = useBerthQuery('network.list', {});
  const containers = useBerthQuery('container.list', { all: true });
  const foreign = useBerthQuery('sandbox.listForeign', {}, { retry: false });
  const host = useBerthQuery('host.inspect', {}, { retry: false });
  const system = useBerthQuery('system.info', {}, { retry: false });

  const topo = useMemo(
    () =>
      buildTopology({
        networks: networks.data ?? [],
        containers: containers.data ?? [],
        foreign: foreign.data ?? [],
        host: host.data ?? null,
        hostError: host.error ? String((host.error as Error).message ?? host.error) : null,
        system: system.data ?? null,
      }),
    [networks.data, containers.data, foreign.data, host.data, host.error, system.data],
  );
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = topo.nodes.find((n) => n.id === selectedId) ?? null;

  const ready = !!networks.data && !!containers.data;
  const lists = keptTogether([networks, containers]);
  // an error only for a list never read; a failed refresh keeps the graph, with a note
  const error = (failedWithoutData(networks) && networks.error) || (failedWithoutData(containers) && containers.error) || null;
  const c = topo.counts;
  const subtitle = ready
    ? `${plural(c.networks, 'network')} · ${plural(c.containers, 'container')}${c.foreign ? ` · ${c.foreign} foreign` : ''} · ${plural(c.ports, 'published port')} · live`
    : 'Host, bridges, veth pairs, containers and published ports, live';

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && selectedId) {
      e.stopPropagation();
      setSelectedId(null);
    }
  };

  return (
    <section className="view topology-view" aria-labelledby="view-title" onKeyDown={onKeyDown}>
      <PageHeader title="Topology" subtitle={subtitle} />
      <RefreshError query={lists} what="the topology" />
      <div className={selected || (ready && topo.empty) ? 'split topo-split' : 'split split-single topo-split'}>
        <div className="topo-canvas" role="region" aria-label="Network topology">
          {error ? (
            <LoadError query={{ ...lists, error }} title="Could not read the topology" what="the topology" />
          ) : !ready ? (
            <div className="pane-center"><Spinner label="Reading networks and containers…" /></div>
          ) : (
            <ReactFlowProvider>
              <Graph topo={topo} selectedId={selected ? selectedId : null} onSelect={setSelectedId} />
            </ReactFlowProvider>
          )}
        </div>
        {selected ? (
          <TopologyDetails node={selected} topo={topo} onClose={() => setSelectedId(null)} onOpen={onOpen} />
        ) : ready && topo.empty ? (
          <GettingStarted onOpen={onOpen} />
        ) : null}
      </div>
    </section>
  );
}

function Graph({ topo, selectedId, onSelect }: { topo: ReturnType<typeof buildTopology>; selectedId: string | null; onSelect: (id: string | null) => void }) {
  const nodes = useMemo(() => topo.nodes.map((n) => (n.id === selectedId ? { ...n, selected: true } : n)), [topo.nodes, selectedId]);
  const edges = useMemo<TopoEdge[]>(() => {
    if (!selectedId) return topo.edges;
    return topo.edges.map((e) => {
      const on = e.source === selectedId || e.target === selectedId;
      return { ...e, className: `${e.className ?? ''} ${on ? 'is-active' : 'is-dim'}`, zIndex: on ? 1 : 0 };
    });
  }, [topo.edges, selectedId]);
  // The layout owns positions and sizes; only selection comes back from the canvas.
  const onNodesChange = useCallback(
    (changes: NodeChange<TopoNode>[]) => {
      for (const ch of changes) {
        if (ch.type !== 'select') continue;
        if (ch.selected) onSelect(ch.id);
        else if (ch.id === selectedId && !changes.some((x) => x.type === 'select' && x.selected)) onSelect(null);
      }
    },
    [onSelect, selectedId],
  );
  return (
    <ReactFlow<TopoNode, TopoEdge>
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      edgeTypes={edgeTypes}
      onNodesChange={onNodesChange}
      onPaneClick={() => onSelect(null)}
      fitView
      fitViewOptions={{ padding: 0.12, maxZoom: 1.1 }}
      minZoom={0.2}
      maxZoom={2}
      nodesDraggable={false}
      nodesConnectable={false}
      nodesFocusable
      edgesFocusable={false}
      elementsSelectable
      deleteKeyCode={null}
      selectionKeyCode={null}
      multiSelectionKeyCode={null}
      proOptions={{ hideAttribution: true }}
      colorMode="system"
      ariaLabelConfig={{ 'node.a11yDescription.default': 'Press Enter or Space to show its details, Escape to clear.' }}
    >
      <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
      <Controls showInteractive={false} position="bottom-left" aria-label="Zoom controls" />
      {topo.nodes.length > 24 && <MiniMap pannable zoomable position="bottom-right" nodeColor={miniColor} nodeStrokeWidth={0} ariaLabel="Overview of the topology" className="topo-minimap" />}
      <Panel position="top-right" className="topo-legend" aria-label="Legend">
        <span><i className="lg lg-masq" /> NAT (masquerade)</span>
        <span><i className="lg lg-plain" /> routed, no NAT</span>
        <span><i className="lg lg-internal" /> internal</span>
        <span><i className="lg lg-port" /> published port</span>
        <span><i className="lg lg-down" /> stopped</span>
      </Panel>
    </ReactFlow>
  );
}
