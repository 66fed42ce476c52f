// Renders pages in headless Chromium (Debian's) for t/pages-browser.t: for each visit, runs
// its steps (goto, click, back), then reports what a person would see on the page it ended
// on, keeps a screenshot, and notes whatever the page's Content-Security-Policy blocked.
//
//   node pages.mjs SPEC.json    (SPEC: {"chromium", "screenshots", "visits": [...]})
//   a visit: {"name", "viewport": [w, h], "cookies": [{name, value, url}],
//             "steps": [["goto", url] | ["click", selector] | ["back"]]}
// Prints one JSON array with, per visit: name, status, url, lang, title, h1, text (visible),
// viewport_meta, styled (the template's CSS applied), csp (the header), violations,
// actions ([{text, href, method}]), screenshot.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
fs.mkdirSync(spec.screenshots, { recursive: true });
const browser = await chromium.launch({
  executablePath: spec.chromium,
  // the container runs as root, where Chromium's sandbox cannot start
  args: ['--no-sandbox'],
});
const results = [];
try {
  for (const visit of spec.visits) {
    const [width, height] = visit.viewport || [1280, 800];
    const context = await browser.newContext({ viewport: { width, height } });
    if (visit.cookies) await context.addCookies(visit.cookies);
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.log(`Content Security Policy violation: ${e.violatedDirective}`),
      );
    });
    let response = null;
    for (const [op, arg] of visit.steps) {
      if (op === 'goto') response = await page.goto(arg);
      else if (op === 'back') response = await page.goBack();
      else if (op === 'click') {
        const [nav] = await Promise.all([page.waitForNavigation(), page.click(arg)]);
        response = nav;
      } else throw new Error(`unknown step ${op}`);
    }
    await page.waitForLoadState('load');
    const seen = await page.evaluate(() => {
      const main = document.querySelector('main');
      const actions = [...document.querySelectorAll('.actions a, .actions form, .providers a')].map(
        (e) =>
          e.tagName === 'FORM'
            ? { text: e.innerText.trim(), href: e.getAttribute('action'), method: 'post' }
            : { text: e.innerText.trim(), href: e.getAttribute('href'), method: 'get' },
      );
      return {
        lang: document.documentElement.lang,
        title: document.title,
        h1: document.querySelector('h1')?.innerText ?? '',
        text: document.body.innerText,
        viewport_meta: document.querySelector('meta[name=viewport]')?.content ?? '',
        // the template's CSS applied: a card with rounded corners, not the browser's default
        styled: !!main && getComputedStyle(main).borderTopLeftRadius !== '0px',
        fits: document.documentElement.scrollWidth <= window.innerWidth,
        actions,
      };
    });
    const screenshot = path.join(spec.screenshots, `${visit.name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    results.push({
      name: visit.name,
      status: response ? response.status() : 0,
      url: page.url(),
      csp: response ? (await response.allHeaders())['content-security-policy'] ?? '' : '',
      violations,
      screenshot,
      ...seen,
    });
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
