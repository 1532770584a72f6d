import type { ViewId } from '../components/Sidebar';

// Where another view asked to land: the item to show selected there. The App
// holds it until the named view has taken it (once).
export interface OpenTarget {
  network?: string; // network id or name
  container?: string; // Berth container id or name
  sandbox?: string; // foreign sandbox, "source:id"
}
export type OpenView = (v: ViewId, target?: OpenTarget) => void;
