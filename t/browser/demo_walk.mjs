// A person in a browser follows the demo (scripts/demo, already running): opens the app,
// picks who they are on the identity provider's page, reaches the app page, signs out; then
// signs in as the outsider and is refused. Headless Debian chromium, driven by
// playwright-core. Prints what each page showed as JSON, and keeps a screenshot of each.
//
//   node demo_walk.mjs http://127.0.0.1:8080 /dir/for/screenshots
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const seen = {};
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const look = async (name) => {
    await page.screenshot({ path: `${shots}/demo-${name}.png`, fullPage: true });
    return {
      url: page.url(),
      title: await page.title(),
      heading: (await page.locator('h1').first().innerText()).trim(),
      text: await page.locator('body').innerText(),
    };
  };

  // no session: the app sends the browser through nginx to the identity provider's page
  await page.goto(`${base}/welcome`);
  seen.chooser = await look('1-idp-chooser');
  seen.chooser.people = await page.locator('a.person strong').allInnerTexts();

  // the person picks the new hire: back at the app, signed in
  await Promise.all([page.waitForURL(`${base}/welcome`), page.locator('a.person', { hasText: 'New Hire' }).click()]);
  seen.app = await look('2-app-new-hire');

  // sign out: the session ends here and at the provider, then the signed-out page
  await Promise.all([page.waitForURL(/\/public\/signed-out/), page.getByRole('button', { name: 'Sign out' }).click()]);
  seen.signed_out = { url: page.url(), text: await page.locator('body').innerText() };

  // again, as the outsider: the identity provider asks again, and nginx refuses
  await page.goto(`${base}/welcome`);
  const again = await look('3-idp-chooser-again');
  seen.chooser_again = { url: again.url, heading: again.heading };
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/sso/oidc/callback')),
    page.locator('a.person', { hasText: 'Eve Outsider' }).click(),
  ]);
  await page.waitForLoadState();
  seen.denied = { ...(await look('4-outsider-denied')), status: answer.status() };
} catch (e) {
  seen.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
