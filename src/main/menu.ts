import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import { EXTERNAL_LINKS, openExternalIfBuiltByBerth } from './security';

export interface MenuActions {
  startHelper(): void;
  reconnect(): void;
  dev: boolean;
}

export function buildAppMenu(a: MenuActions): Menu {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'Berth',
      submenu: [
        { label: 'Start Helper…', click: () => a.startHelper() },
        { label: 'Reconnect to Helper', click: () => a.reconnect() },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(a.dev ? ([{ role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Docker networking overview', click: () => openExternalIfBuiltByBerth(EXTERNAL_LINKS.dockerNetworking) },
        { label: 'Bridge network driver', click: () => openExternalIfBuiltByBerth(EXTERNAL_LINKS.dockerBridge) },
        { label: 'libnetwork source', click: () => openExternalIfBuiltByBerth(EXTERNAL_LINKS.libnetwork) },
        { type: 'separator' },
        { label: `Berth ${app.getVersion()}`, enabled: false },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
