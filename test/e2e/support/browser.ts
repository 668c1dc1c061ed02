import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';

/**
 * Where the browser tests get Chromium, in order of preference: `PINGJI_CHROMIUM`, Debian's
 * `/usr/bin/chromium`, then the Chromium that the npm package `@sparticuz/chromium` ships
 * inside itself (unpacked under the temp folder on first use). Nothing is ever downloaded.
 */
export type ChromiumSource = { kind: 'env' | 'system' | 'npm'; executablePath: string };

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless Chromium on a machine with no network but loopback. */
const QUIET_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The npm Chromium's own serverless flags, less the ones that keep a test from printing, and
 * `--single-process`, under which browser contexts share one origin's storage: a language chosen
 * in one test's context would open the next test's console in it.
 */
const NPM_ARGS_DROPPED = new Set(['--disable-print-preview', '--single-process']);

const require = createRequire(import.meta.url);

/** Finds the Chromium to drive, or says how to get one. */
export async function findChromium(): Promise<ChromiumSource> {
  const fromEnv = process.env.PINGJI_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`PINGJI_CHROMIUM points at ${fromEnv}, which does not exist`);
    return { kind: 'env', executablePath: fromEnv };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { kind: 'system', executablePath: SYSTEM_CHROMIUM };
  const { default: packaged } = await import('@sparticuz/chromium');
  return { kind: 'npm', executablePath: await packaged.executablePath() };
}

/** The folder of `@fontsource/noto-sans-sc`, whose woff2 files give the console's Chinese a face. */
function notoSansScDir(): string {
  return dirname(require.resolve('@fontsource/noto-sans-sc/package.json'));
}

/** Path under which the pages of a context fetch the npm CJK font; served by a route, same origin. */
const FONT_PATH = '/__e2e-fonts/';

/**
 * The `@font-face` rules of Noto Sans SC at weights 400 and 700, named as the console's font
 * stack names a CJK face, with their files under {@link FONT_PATH}. Each face carries its
 * unicode range, so a page loads only the slices of the font that it shows.
 */
function fontFaceCss(): string {
  const dir = notoSansScDir();
  return ['400.css', '700.css']
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n')
    .replaceAll("font-family: 'Noto Sans SC'", "font-family: 'Noto Sans CJK SC'")
    .replaceAll('url(./files/', `url(${FONT_PATH}files/`);
}

/**
 * A Chromium without the CJK fonts of a Linux desktop (the npm one) draws Chinese as boxes. Its
 * contexts get Noto Sans SC from npm instead: a stylesheet link added to every document, and a
 * route that answers the font's requests from `node_modules`. A same-origin stylesheet keeps
 * within a `style-src 'self'` policy.
 */
async function withCjkFont(context: BrowserContext): Promise<void> {
  const css = fontFaceCss();
  const dir = notoSansScDir();
  await context.route(`**${FONT_PATH}**`, async (route) => {
    const path = new URL(route.request().url()).pathname.slice(FONT_PATH.length);
    if (path === 'faces.css') {
      await route.fulfill({ status: 200, contentType: 'text/css', body: css });
      return;
    }
    const file = normalize(join(dir, path));
    if (!file.startsWith(join(dir, 'files')) || !existsSync(file)) {
      await route.fulfill({ status: 404, body: '' });
      return;
    }
    await route.fulfill({ status: 200, contentType: 'font/woff2', body: readFileSync(file) });
  });
  await context.addInitScript((href: string) => {
    const add = () => {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = href;
      (document.head ?? document.documentElement).appendChild(link);
    };
    if (document.documentElement) add();
    else document.addEventListener('DOMContentLoaded', add);
  }, `${FONT_PATH}faces.css`);
}

/** A launched Chromium and a way to open contexts that draw Chinese legibly whatever the source. */
export type TestBrowser = {
  browser: Browser;
  source: ChromiumSource;
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
};

/** Launches the Chromium {@link findChromium} finds, headless. */
export async function launchTestBrowser(): Promise<TestBrowser> {
  const source = await findChromium();
  let args = QUIET_ARGS;
  if (source.kind === 'npm') {
    const { default: packaged } = await import('@sparticuz/chromium');
    args = [...new Set([...packaged.args.filter((arg) => !NPM_ARGS_DROPPED.has(arg)), ...QUIET_ARGS])];
  }
  // The npm Chromium reads the fontconfig file it unpacked beside its Latin fonts.
  const env =
    source.kind === 'npm' ? { ...process.env, FONTCONFIG_PATH: join(tmpdir(), 'fonts') } : undefined;
  const browser = await chromium.launch({ executablePath: source.executablePath, headless: true, args, env });
  return {
    browser,
    source,
    async newContext(options) {
      const context = await browser.newContext(options);
      if (source.kind === 'npm') await withCjkFont(context);
      return context;
    },
    close: () => browser.close(),
  };
}
