/**
 * The one gateway of IPC: a message is ours only when it comes from our window's top frame
 * while that frame shows our renderer (app://dmat, or the dev server). Kept apart from electron
 * so the rule is tested; index.ts fills in the facts from the IPC event.
 */
import { isAppUrl } from '../window-options';

export interface SenderFacts {
  /** webContents id of the sender, and of our window (null before it exists). */
  senderId: number;
  windowId: number | null;
  /** Whether the sending frame is its page's top frame, and what it shows (null: gone). */
  isMainFrame: boolean;
  frameUrl: string | null;
}

export function isTrustedSender(facts: SenderFacts, appUrl: string): boolean {
  return (
    facts.windowId !== null &&
    facts.senderId === facts.windowId &&
    facts.isMainFrame &&
    facts.frameUrl !== null &&
    isAppUrl(facts.frameUrl, appUrl)
  );
}
