import { describe, expect, it } from 'vitest';
import {
  createExternalLinkOpener,
  EXTERNAL_LINK_HOSTS,
  externalLinkDecision,
} from '../../src/main/desktop/external-links';

describe('links that leave the desktop app', () => {
  it('opens https links to the paper and the docs', () => {
    expect(EXTERNAL_LINK_HOSTS).toEqual(['arxiv.org', 'proceedings.neurips.cc', 'github.com']);
    for (const url of [
      'https://arxiv.org/abs/2009.10019',
      'https://proceedings.neurips.cc/paper/2020/hash/00000.html',
      'https://github.com/some/repo#readme',
      'https://ARXIV.org/pdf/2009.10019',
    ]) {
      expect(externalLinkDecision(url), url).toMatchObject({ allowed: true });
    }
    // What the OS gets is the URL as parsed, i.e. the one that was checked.
    expect(externalLinkDecision('https://ARXIV.org/abs/1')).toEqual({
      allowed: true,
      url: 'https://arxiv.org/abs/1',
    });
  });

  it('refuses every other scheme, host, port or credential', () => {
    const refused: [string, RegExp][] = [
      ['http://arxiv.org/abs/2009.10019', /http: links are not opened/],
      ['file:///etc/passwd', /file:/],
      ['smb://host/share', /smb:/],
      ['javascript:alert(1)', /javascript:/],
      ['ms-msdt:/id PCWDiagnostic', /ms-msdt:/],
      ['https://evil.example/', /evil\.example is not on the list/],
      ['https://arxiv.org.evil.example/', /not on the list/],
      ['https://www.github.com.evil/', /not on the list/],
      ['https://gist.github.com/x', /gist\.github\.com is not on the list/],
      ['https://arxiv.org@evil.example/', /credentials/],
      ['https://user:pw@github.com/', /credentials/],
      ['https://github.com:8443/', /port 8443/],
      ['not a url', /not a URL/],
    ];
    for (const [url, reason] of refused) {
      const d = externalLinkDecision(url);
      expect(d.allowed, url).toBe(false);
      if (!d.allowed) expect(d.reason, url).toMatch(reason);
    }
  });

  it('hands allowed links to the browser and logs refused ones without opening them', async () => {
    const opened: string[] = [];
    const log: string[] = [];
    const open = createExternalLinkOpener(
      async (url) => void opened.push(url),
      (line) => log.push(line),
    );
    expect(open('https://arxiv.org/abs/2009.10019')).toBe(true);
    expect(open('file:///etc/passwd')).toBe(false);
    expect(opened).toEqual(['https://arxiv.org/abs/2009.10019']);
    expect(log).toEqual([
      'refused to open "file:///etc/passwd": file: links are not opened, only https:',
    ]);

    const failing = createExternalLinkOpener(
      () => Promise.reject(new Error('no browser')),
      (line) => log.push(line),
    );
    failing('https://github.com/');
    await new Promise((r) => setTimeout(r, 0));
    expect(log.at(-1)).toBe('could not open https://github.com/: no browser');
  });
});
