// Geometry: where each column's boxes go. Host (and its published ports) on
// the left, bridge networks in the middle, sandboxes on the right, in the
// order join.ts gave them; networks centred on the rows that join them,
// ports beside their container, all without overlap.
import type { Network } from '../../../../shared/network';
import type { Sb } from './join';
import { G, nodeIdOf, type PortData } from './model';

export const ctrH = (s: Sb) => G.ctrHead + Math.max(1, s.data.rows.length) * G.ctrRow + G.pad;

// Rows that collide, pushed apart in order (keeps each as close to its wish as it can).
function pack(items: { want: number; h: number }[], gap: number, min = -Infinity): number[] {
  const out: number[] = [];
  let bottom = min;
  for (const it of items) {
    const y = Math.max(it.want, bottom === -Infinity ? it.want : bottom + gap);
    out.push(y);
    bottom = y + it.h;
  }
  // pull the block back up if it slid down past its wishes on average
  return out;
}

// Sandboxes one under the other; the y of each endpoint row's middle.
export function placeSandboxes(sandboxes: Sb[]) {
  const ctrY: number[] = [];
  let y = 0;
  for (const s of sandboxes) {
    ctrY.push(y);
    y += ctrH(s) + G.gapY;
  }
  const ctrTop = new Map(sandboxes.map((s, i) => [s.id, ctrY[i]]));
  const rowY = (sbId: string, i: number) => (ctrTop.get(sbId) ?? 0) + G.ctrHead + i * G.ctrRow + G.ctrRow / 2;
  return { ctrY, ctrTop, rowY };
}

// Networks centred on the rows that join them, in order, without overlap.
export function placeNetworks(nets: Network[], sandboxes: Sb[], rowY: (sbId: string, i: number) => number): number[] {
  const wants = nets.map((n, i) => {
    const ys: number[] = [];
    for (const s of sandboxes) s.data.rows.forEach((r, k) => r.network === n.Name && ys.push(rowY(s.id, k)));
    return { want: ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length - G.netH / 2 : NaN, h: G.netH, i };
  });
  // networks without endpoints go after the previous one
  let last = -G.netH - G.netGapY;
  for (const w of wants) {
    if (Number.isNaN(w.want)) w.want = last + G.netH + G.netGapY;
    last = w.want;
  }
  const netY = pack(wants, G.netGapY);
  // if packing pushed the column down, shift it up so its middle matches the wishes
  const drift = netY.reduce((a, v, i) => a + (v - wants[i].want), 0) / Math.max(1, netY.length);
  for (let i = 0; i < netY.length; i++) netY[i] -= drift / 2;
  return netY;
}

// The host box: its height from its rows, centred on the networks column,
// its uplink handle level with the middle of the networks, unless ports
// hang below it.
export function placeHost(netY: number[], rows: { interfaces: number; defaultRoute: boolean }, hasPorts: boolean) {
  const hostH = G.hostHead + Math.max(1, rows.interfaces) * G.hostRow + (rows.defaultRoute ? G.hostRow : 0) + G.pad;
  const netsTop = netY.length ? Math.min(...netY) : 0;
  const netsBottom = netY.length ? Math.max(...netY) + G.netH : hostH;
  const hostY = hasPorts ? netsTop : Math.max(netsTop - 40, (netsTop + netsBottom) / 2 - G.hostHead / 2);
  return { hostY, hostH };
}

// Published ports under the host, each as level with its container's header
// as the others allow; sorted by that wish, then host port.
export function placePorts<P extends { data: PortData; target: string }>(ports: P[], ctrTop: Map<string, number>, hostBottom: number) {
  const wanted = ports.map((p) => ({ ...p, want: (ctrTop.get(p.target) ?? 0) + G.ctrHead / 2 - G.portH / 2 }));
  wanted.sort((a, b) => a.want - b.want || a.data.hostPort - b.data.hostPort);
  const portY = pack(wanted.map((p) => ({ want: p.want, h: G.portH })), 12, hostBottom + 36 - 12);
  return { ports: wanted, portY };
}

// Port routes run right from the port, along a lane clear of the network
// boxes, then down into the container's header: the lane closest to both
// ends among the port's own level, the container's, and the gaps between
// networks. Routes sharing a gap run side by side, not on top of each other.
export function portLanes(nets: Network[], netY: number[], dy: number) {
  const netTopById = new Map(nets.map((n, i) => [nodeIdOf.network(n), netY[i]]));
  const netBoxes = nets.map((n) => ({ top: (netTopById.get(nodeIdOf.network(n)) ?? 0) + dy - 10, bottom: (netTopById.get(nodeIdOf.network(n)) ?? 0) + dy + G.netH + 10 }));
  const free = (ly: number) => !netBoxes.some((b) => ly > b.top && ly < b.bottom);
  const gaps = [
    ...(netBoxes.length ? [netBoxes[0].top - 14] : []),
    ...netBoxes.slice(0, -1).map((b, i) => (b.bottom + netBoxes[i + 1].top) / 2),
    ...(netBoxes.length ? [netBoxes[netBoxes.length - 1].bottom + 14] : []),
  ];
  return (sy: number, ty: number, i: number): number => {
    const cands = [sy, ty, ...gaps].filter(free);
    const best = cands.sort((a, b) => Math.abs(a - sy) + Math.abs(a - ty) - (Math.abs(b - sy) + Math.abs(b - ty)))[0];
    return best === undefined ? ty : best === sy || best === ty ? best : best + ((i % 4) - 1.5) * 6;
  };
}

// An orthogonal path through the given points, corners rounded.
export function roundedPath(points: { x: number; y: number }[], r = 8): string {
  const pts = points.filter((p, i) => i === 0 || p.x !== points[i - 1].x || p.y !== points[i - 1].y);
  // drop middle points on a straight line
  const clean = pts.filter((p, i) => {
    if (i === 0 || i === pts.length - 1) return true;
    const a = pts[i - 1];
    const b = pts[i + 1];
    return !((a.x === p.x && p.x === b.x) || (a.y === p.y && p.y === b.y));
  });
  if (clean.length === 0) return '';
  let d = `M${clean[0].x},${clean[0].y}`;
  for (let i = 1; i < clean.length; i++) {
    const p = clean[i];
    if (i === clean.length - 1) {
      d += ` L${p.x},${p.y}`;
      break;
    }
    const a = clean[i - 1];
    const b = clean[i + 1];
    const la = Math.hypot(p.x - a.x, p.y - a.y);
    const lb = Math.hypot(b.x - p.x, b.y - p.y);
    const k = Math.min(r, la / 2, lb / 2);
    const p1 = { x: p.x - ((p.x - a.x) / (la || 1)) * k, y: p.y - ((p.y - a.y) / (la || 1)) * k };
    const p2 = { x: p.x + ((b.x - p.x) / (lb || 1)) * k, y: p.y + ((b.y - p.y) / (lb || 1)) * k };
    d += ` L${p1.x},${p1.y} Q${p.x},${p.y} ${p2.x},${p2.y}`;
  }
  return d;
}
