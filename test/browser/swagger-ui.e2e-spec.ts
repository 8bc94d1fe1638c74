import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { TestCluster } from '../support/cluster';

// A person using Swagger UI at /docs in a real browser (Debian's Chromium, headless, driven
// by playwright-core): authorize with the token, "Try it out" on POST /v1/secrets, then on
// GET /v1/secrets/{name}, and see the value in the rendered answer. The page must load
// only from the replica, under its content security policy, with no violation reported.
// The screenshot is kept in .tmp/artifacts/ (git-ignored).

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', '.tmp', 'artifacts');
const SCREENSHOT = join(ARTIFACTS, 'swagger-ui.png');
// What Chromium needs as root on a closed network; playwright-core gives it a fresh profile.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('Swagger UI in a real browser', () => {
  let cluster: TestCluster;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];
  const foreignRequests: string[] = [];
  const name = `SWAGGER_UI_${Date.now()}`;
  const value = `typed-in-a-browser-${Date.now()}`;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/install-tools.sh\` (installs Debian's chromium)`);
    // A quorum of replicas, so that the write made from the page can commit.
    [cluster, browser] = await Promise.all([
      TestCluster.start({ n: 3, k: 2, m: 2 }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(15_000);
    const origin = new URL(cluster.url(0)).origin;
    page.on('request', (r) => {
      if (!r.url().startsWith(`${origin}/`) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      // Runs in the page, where `document` exists (this project compiles without the DOM types).
      const page = globalThis as unknown as { document: { addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void } };
      page.document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.shutdown();
  });

  async function tryItOut(operationId: string, fill: (operation: ReturnType<Page['locator']>) => Promise<void>, expectedStatus: number) {
    const operation = page.locator(`#operations-${operationId}`);
    await operation.locator('.opblock-summary').first().click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await fill(operation);
    await operation.getByRole('button', { name: 'Execute' }).click();
    const live = operation.locator('.live-responses-table .response');
    await live.locator('.response-col_status').first().waitFor();
    expect((await live.locator('.response-col_status').first().innerText()).trim()).toBe(String(expectedStatus));
    return (await live.locator('.response-col_description pre').first().innerText()).trim();
  }

  it('authorizes, creates a secret with "Try it out", reads it back, and shows the value', async () => {
    const answer = await page.goto(`${cluster.url(0)}/docs`);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('#operations-secrets-createSecret').waitFor();

    await page.locator('.auth-wrapper .btn.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('#auth-bearer-value').fill(cluster.token);
    await dialog.getByRole('button', { name: 'Apply credentials' }).click();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(page.locator('.auth-wrapper .btn.authorize.locked').count()).resolves.toBe(1);

    const created = await tryItOut(
      'secrets-createSecret',
      (operation) => operation.locator('textarea.body-param__text').fill(JSON.stringify({ name, value })),
      201,
    );
    expect(JSON.parse(created)).toMatchObject({ name, version: 1 });

    const read = await tryItOut('secrets-getSecret', (operation) => operation.locator('input[placeholder="name"]').fill(name), 200);
    expect(JSON.parse(read)).toMatchObject({ name, version: 1, value, validTo: null });
    // The value as a person sees it on the page.
    await expect(page.locator('#operations-secrets-getSecret .live-responses-table').innerText()).resolves.toContain(value);

    await mkdir(ARTIFACTS, { recursive: true });
    // The viewport around the rendered answer of GET /v1/secrets/{name}, as the person saw it.
    await page.locator('#operations-secrets-getSecret .live-responses-table').evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: SCREENSHOT });
    process.stdout.write(`Swagger UI screenshot: ${SCREENSHOT}\n`);
  });

  it('loaded nothing from another origin and broke no rule of its content security policy', () => {
    expect(foreignRequests).toEqual([]);
    expect(violations).toEqual([]);
  });
});
