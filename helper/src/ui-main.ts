import { openUrl } from './kernel/process';
import { startWebUi, type WebUi, type WebUiOptions } from './webui/server';

// `berth ui --web`'s entry point (loaded only for that verb): the web server,
// and the desktop's browser opened on it. Like helper-main.ts it wires layers
// together, so the CLI itself never reaches the kernel.
export async function webUiMain(opts: WebUiOptions): Promise<WebUi & { openInBrowser(): void }> {
  const ui = await startWebUi(opts);
  return { ...ui, openInBrowser: () => openUrl(ui.url) };
}
