import { describe, expect, it } from 'vitest';
import { isTrustedSender, type SenderFacts } from '../../src/main/desktop/trusted-sender';
import { APP_INDEX_URL } from '../../src/main/desktop/app-protocol';

const ours: SenderFacts = {
  senderId: 7,
  windowId: 7,
  isMainFrame: true,
  frameUrl: 'app://dmat/index.html',
};

describe('the IPC sender check', () => {
  it('accepts our window top frame showing the app:// renderer', () => {
    expect(isTrustedSender(ours, APP_INDEX_URL)).toBe(true);
  });

  it('refuses another window, a subframe, a gone frame, and any other page', () => {
    const refused: [string, Partial<SenderFacts>][] = [
      ['another window', { senderId: 8 }],
      ['no window yet', { windowId: null }],
      ['a subframe', { isMainFrame: false }],
      ['a frame that is gone', { frameUrl: null }],
      ['a file:// page', { frameUrl: 'file:///opt/dmat/out/renderer/index.html' }],
      ['another app:// host', { frameUrl: 'app://evil/index.html' }],
      ['a web page', { frameUrl: 'https://example.com/' }],
    ];
    for (const [what, change] of refused) {
      expect(isTrustedSender({ ...ours, ...change }, APP_INDEX_URL), what).toBe(false);
    }
  });

  it('follows the dev server under electron-vite dev', () => {
    const dev = 'http://localhost:5173/';
    expect(isTrustedSender({ ...ours, frameUrl: 'http://localhost:5173/' }, dev)).toBe(true);
    expect(isTrustedSender(ours, dev)).toBe(false);
  });
});
