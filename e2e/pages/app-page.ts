import type { Locator, Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import { ContainersPage } from './containers-page';
import { NetworksPage } from './networks-page';

export type ViewName = 'Topology' | 'Networks' | 'Containers' | 'Ports' | 'Firewall rules' | 'Cleanup' | 'Activity';

// The shell: sidebar, status bar; each view returns its page object.
export class BerthApp {
  // Every wait and click on the page may take a minute on a loaded machine:
  // a bound, not a speed check (it ends as soon as the element is there).
  constructor(readonly page: Page) {
    page.setDefaultTimeout(60_000);
  }

  async open(url: string): Promise<this> {
    await this.page.goto(url);
    await this.statusBar().getByText('Helper connected').waitFor({ timeout: 60_000 });
    return this;
  }
  sidebar(): Locator {
    return this.page.getByRole('navigation', { name: 'Views' });
  }
  statusBar(): Locator {
    return this.page.getByRole('contentinfo', { name: 'Status' });
  }
  async go(view: ViewName): Promise<void> {
    await this.sidebar().getByRole('button', { name: new RegExp(`^${view}`) }).click();
    await this.page.getByRole('heading', { level: 1, name: view }).waitFor();
  }
  async networks(): Promise<NetworksPage> {
    await this.go('Networks');
    return new NetworksPage(this.page);
  }
  async containers(): Promise<ContainersPage> {
    await this.go('Containers');
    return new ContainersPage(this.page);
  }
  async activityText(): Promise<string> {
    await this.go('Activity');
    return (await this.page.getByRole('list', { name: 'Event log' }).textContent()) ?? '';
  }
  shot(name: string): Promise<string> {
    return screenshot(this.page, name);
  }
}
