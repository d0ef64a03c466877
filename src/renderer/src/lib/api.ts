/** The renderer's one door to the engine: the preload's `window.dmat`, or the browser shim. */
import type { DmatBridge } from '@shared/bridge';
import { createBrowserBridge, takeToken } from './shim';

declare global {
  interface Window {
    dmat?: DmatBridge;
  }
}

let bridge: DmatBridge | null = null;

export function installApi(custom?: DmatBridge): DmatBridge {
  if (custom) return (bridge = custom);
  if (window.dmat) return (bridge = window.dmat);
  const token = takeToken(window.location, window.sessionStorage, window.history);
  return (bridge = createBrowserBridge(window.location.origin, token ?? ''));
}

export function api(): DmatBridge {
  if (!bridge) throw new Error('installApi() must run before the first API call');
  return bridge;
}
