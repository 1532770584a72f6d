import { Menu, Tray } from 'electron';
import type { HelperState } from '../preload/bridge';
import { appIcon } from './window';

export function stateLabel(s: HelperState): string {
  switch (s.state) {
    case 'connected':
      return 'Helper: connected';
    case 'starting':
      return 'Helper: starting…';
    case 'not-running':
      return 'Helper: not running';
    case 'failed':
      return `Helper: failed: ${s.reason}`;
  }
}

export class BerthTray {
  private tray: Tray;
  constructor(private readonly actions: { show(): void; startHelper(): void; quit(): void }) {
    this.tray = new Tray(appIcon().resize({ width: 22, height: 22 }));
    this.tray.on('click', () => actions.show());
  }
  update(s: HelperState): void {
    const label = stateLabel(s);
    this.tray.setToolTip(`Berth — ${label}`);
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label, enabled: false },
        { type: 'separator' },
        { label: 'Show Berth', click: () => this.actions.show() },
        { label: 'Start Helper…', enabled: s.state === 'not-running' || s.state === 'failed', click: () => this.actions.startHelper() },
        { type: 'separator' },
        { label: 'Quit', click: () => this.actions.quit() },
      ]),
    );
  }
  destroy(): void {
    this.tray.destroy();
  }
}
