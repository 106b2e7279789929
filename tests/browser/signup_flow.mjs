// Drives Debian's headless Chromium through the zr HTML pages, as a person would:
// sign-up form -> verification link from the mail -> password-reset request -> reset link from
// the mail -> new-password form.
//
// Usage: node tests/browser/signup_flow.mjs <base_url> <out_dir>
// Talks to its parent (tests/e2e/test_browser.py) on stdio: prints `MAIL <address>` when it needs
// the first link of the next mail to <address> and reads that URL from stdin; prints
// `RESULT <json>` at the end. Screenshots go to <out_dir>. Exit code 0 only if every step passed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const [baseUrl, outDir] = process.argv.slice(2);
if (!baseUrl || !outDir) {
  console.error('usage: signup_flow.mjs <base_url> <out_dir>');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

const stdinLines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function askMailLink(address) {
  console.log(`MAIL ${address}`);
  const { value, done } = await stdinLines.next();
  if (done || !value || !value.startsWith('http')) throw new Error(`no link for ${address}: ${value}`);
  return value.trim();
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const suffix = Math.random().toString(36).slice(2, 10);
const user = {
  first_name: 'Grace',
  last_name: 'Hopper',
  affiliation: 'Harvard Mark I',
  email: `grace${suffix}@example.com`,
  username: `grace${suffix}`,
  password: 'Cobol-1959!',
  new_password: 'Compiler-1952!',
};
const result = { user, steps: [], screenshots: [] };

async function shot(page, name) {
  const file = path.join(outDir, `${String(result.screenshots.length + 1).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  result.screenshots.push(file);
}

async function submit(page, selector = 'form [type=submit]') {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response;
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zr-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1100, height: 800 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = null;
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  result.consoleErrors = consoleErrors;

  // 1. sign-up form
  let response = await page.goto(`${baseUrl}/page/new-user`);
  check(response.status() === 200, `GET /page/new-user -> ${response.status()}`);
  result.signupTitle = await page.title();
  result.signupStylesheetLoaded = await page.evaluate(
    () => [...document.styleSheets].some((s) => { try { return s.cssRules.length > 0; } catch { return false; } }));
  for (const field of ['first_name', 'last_name', 'affiliation', 'email', 'username', 'password']) {
    await page.fill(`form [name="${field}"]`, user[field]);
  }
  await shot(page, 'signup-form');
  response = await submit(page);
  const signupText = await page.innerText('body');
  check(response.status() === 200, `POST /auth/signup -> ${response.status()}`);
  check(signupText.includes('Account created successfully'), `signup page says: ${signupText}`);
  await shot(page, 'signup-done');
  result.steps.push('signup');

  // 2. verification link from the mail
  const verifyLink = await askMailLink(user.email);
  response = await page.goto(verifyLink);
  const verifyText = await page.innerText('body');
  check(response.status() === 200, `verification link -> ${response.status()}`);
  check(verifyText.includes(`Account of ${user.username} was verified successfully`),
        `verification page says: ${verifyText}`);
  await shot(page, 'verified');
  result.steps.push('verified');

  // 3. password-reset request form
  response = await page.goto(`${baseUrl}/page/request-password-update`);
  check(response.status() === 200, `GET /page/request-password-update -> ${response.status()}`);
  await page.fill('form [name="username"]', user.username);
  await page.fill('form [name="email"]', user.email);
  await shot(page, 'reset-request-form');
  response = await submit(page);
  check(response.status() === 200, `POST /auth/password/reset -> ${response.status()}`);
  result.resetRequestAnswer = (await page.innerText('body')).slice(0, 500);
  await shot(page, 'reset-requested');
  result.steps.push('reset-requested');

  // 4. the reset link from the mail, new password form
  const resetLink = await askMailLink(user.email);
  response = await page.goto(resetLink);
  check(response.status() === 200, `reset link -> ${response.status()}`);
  await page.fill('form [name="password"]', user.new_password);
  await page.fill('form [name="password_validation"]', user.new_password);
  await shot(page, 'password-form');
  response = await submit(page);
  const updateText = await page.innerText('body');
  check(response.status() === 200, `POST /auth/password/update -> ${response.status()}`);
  check(updateText.includes('updated successfully'), `update page says: ${updateText}`);
  await shot(page, 'password-updated');
  result.steps.push('password-updated');

  // 5. the API docs, for the record (only its console errors are asserted, by the caller)
  try {
    response = await page.goto(`${baseUrl}/docs`);
    await page.waitForTimeout(1500);
    result.docsStatus = response.status();
    await shot(page, 'docs');
  } catch (e) {
    result.docsError = String(e);
  }
} catch (e) {
  failed = e;
  result.error = String(e && e.stack || e);
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(failed ? 1 : 0);
