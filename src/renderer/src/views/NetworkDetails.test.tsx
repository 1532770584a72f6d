// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Network } from '../../../shared/network';
import { BerthError } from '../../../shared/errors';
import { fakeTransport, network, outage, renderWith } from '../test-utils';
import { NetworkDetails } from './NetworkDetails';

afterEach(cleanup);

const red = network('red', '10.1.0.0/24') as unknown as Network;

describe('NetworkDetails', () => {
  it('a failed refresh keeps the inspect JSON read before, with a note and Retry', async () => {
    let labels: Record<string, string> = { tier: 'first' };
    const { transport, emit } = fakeTransport({ 'network.inspect': () => ({ ...red, Labels: labels }) });
    const helper = outage(transport, (m) => m === 'network.inspect');
    renderWith(<NetworkDetails network={red} onClose={() => {}} onRemove={() => {}} />, transport);
    await waitFor(() => expect(screen.getByLabelText('Inspect JSON of network red').textContent).toContain('first'));

    helper.down = true;
    act(() => emit({ type: 'network.created', id: 'blue-id', name: 'blue' }));
    const note = (await screen.findByText(/^Could not refresh the inspect of red/)).closest('[role="status"]') as HTMLElement;
    expect(note.textContent).toContain('the helper did not answer');
    expect(screen.getByLabelText('Inspect JSON of network red').textContent).toContain('first');
    expect(screen.queryByRole('alert')).toBeNull();

    helper.down = false;
    labels = { tier: 'second' };
    await act(async () => fireEvent.click(within(note).getByRole('button', { name: 'Retry reading the inspect of red' })));
    await waitFor(() => expect(screen.queryByText(/^Could not refresh/)).toBeNull());
    expect(screen.getByLabelText('Inspect JSON of network red').textContent).toContain('second');
  });

  it('a first read that fails shows the error with Retry', async () => {
    const { transport } = fakeTransport({ 'network.inspect': () => { throw new BerthError('unavailable', 'the helper did not answer'); } });
    renderWith(<NetworkDetails network={red} onClose={() => {}} onRemove={() => {}} />, transport);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not inspect red');
    expect(within(alert).getByRole('button', { name: 'Retry reading the inspect of red' })).toBeTruthy();
  });
});
