/** App-wide state: which screen is open, the engine's identity, and messages for the user. */
import { defineStore } from 'pinia';
import type { AppInfo } from '@shared/api';
import { api } from '../lib/api';

export type View = 'library' | 'wizard' | 'runs' | 'audit' | 'history' | 'workers';

/** Where the queue setting is kept between sessions (this browser profile only). */
const QUEUE_KEY = 'dmat.queueUrl';

function storedQueue(): string {
  try {
    return globalThis.localStorage?.getItem(QUEUE_KEY) ?? '';
  } catch {
    return '';
  }
}

export interface Toast {
  id: number;
  kind: 'ok' | 'bad' | 'warn' | 'info';
  text: string;
}

let nextToast = 1;

export const useAppStore = defineStore('app', {
  state: () => ({
    view: 'library' as View,
    info: null as AppInfo | null,
    toasts: [] as Toast[],
    /** Redis URL of the `dmat worker` queue; empty: everything runs on this machine. */
    queueUrl: storedQueue(),
  }),
  actions: {
    go(view: View) {
      this.view = view;
    },
    setQueue(url: string) {
      this.queueUrl = url.trim();
      try {
        if (this.queueUrl) globalThis.localStorage?.setItem(QUEUE_KEY, this.queueUrl);
        else globalThis.localStorage?.removeItem(QUEUE_KEY);
      } catch {
        // Storage unavailable (a locked-down profile): the setting lasts this session.
      }
    },
    async loadInfo() {
      try {
        this.info = await api().getAppInfo();
      } catch (e) {
        this.report(e);
      }
    },
    notify(kind: Toast['kind'], text: string, ms = 6000) {
      const id = nextToast++;
      this.toasts.push({ id, kind, text });
      setTimeout(() => this.dismiss(id), ms);
    },
    dismiss(id: number) {
      this.toasts = this.toasts.filter((t) => t.id !== id);
    },
    /** Shows an error from a call; user errors as they are, others with a prefix. */
    report(e: unknown) {
      const err = e as { message?: string; userError?: boolean };
      const text = err?.message ?? String(e);
      this.notify('bad', err?.userError === false ? `Internal error: ${text}` : text, 9000);
    },
  },
});
