/**
 * Which links leave the desktop app for the user's browser (`shell.openExternal`): https only,
 * to the hosts of the product's documentation and of the DMAT paper, with no credentials and no
 * unusual port. Anything else, a file:, smb: or custom-scheme URL included, is refused: the OS
 * would hand it to whatever program claims it.
 */

/** Exact host names; subdomains are not included (each one we need is listed). */
export const EXTERNAL_LINK_HOSTS: readonly string[] = [
  'arxiv.org', // the paper (Lin et al., 2020) and its references
  'proceedings.neurips.cc', // the paper as published at NeurIPS 2020
  'github.com', // the project and its documentation
];

export type ExternalLinkDecision =
  { allowed: true; url: string } | { allowed: false; reason: string };

export function externalLinkDecision(target: string): ExternalLinkDecision {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { allowed: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'https:') {
    return { allowed: false, reason: `${url.protocol} links are not opened, only https:` };
  }
  if (url.username || url.password)
    return { allowed: false, reason: 'the link carries credentials' };
  if (url.port) return { allowed: false, reason: `port ${url.port} is not opened` };
  if (!EXTERNAL_LINK_HOSTS.includes(url.hostname)) {
    return { allowed: false, reason: `${url.hostname} is not on the list of hosts the app opens` };
  }
  // The serialised URL: what was checked is exactly what the OS receives.
  return { allowed: true, url: url.href };
}

/**
 * What the window does with a link that would leave the app: an allowed one goes to the user's
 * browser, any other is dropped with one line in the log naming it and why.
 */
export function createExternalLinkOpener(
  open: (url: string) => Promise<void>,
  warn: (line: string) => void,
): (target: string) => boolean {
  return (target) => {
    const decision = externalLinkDecision(target);
    if (!decision.allowed) {
      warn(`refused to open ${JSON.stringify(target.slice(0, 200))}: ${decision.reason}`);
      return false;
    }
    open(decision.url).catch((err: Error) =>
      warn(`could not open ${decision.url}: ${err.message}`),
    );
    return true;
  };
}
