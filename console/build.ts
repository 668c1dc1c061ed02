import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, buildSync, type OutputFile } from 'esbuild';

const CONSOLE_DIR = dirname(fileURLToPath(import.meta.url));
const STATIC_DIR = join(CONSOLE_DIR, 'static');

/** A file of the built console, by its path under the site root (`index.html`, `app.js`). */
export type ConsoleFile = { path: string; body: Buffer; type: string };

/** What `config.json` tells the page at run time; the local stack writes `{"mode": "local", …}`. */
export type LocalConsoleConfig = {
  mode: 'local';
  /** The demo users offered on the sign-in page, one per role. */
  demoUsers: readonly { sub: string; groups: readonly string[]; communities: readonly string[] }[];
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const typeOf = (path: string) => TYPES[extname(path)] ?? 'application/octet-stream';

function esbuildOptions(minify: boolean): BuildOptions {
  return {
    entryPoints: {
      app: join(CONSOLE_DIR, 'src', 'main.tsx'),
      styles: join(CONSOLE_DIR, 'src', 'styles.css'),
    },
    outdir: join(CONSOLE_DIR, 'out'),
    entryNames: '[name]',
    // The charts (ECharts) load as a chunk of their own, only on the pages that draw them.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Tablets in command rooms are rarely the newest: Chrome 100 / Safari 15 era and later.
    target: ['chrome100', 'safari15', 'firefox100', 'edge100'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify,
    sourcemap: 'linked',
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    write: false,
    define: { 'process.env.NODE_ENV': minify ? '"production"' : '"development"' },
  };
}

function staticFiles(): ConsoleFile[] {
  return readdirSync(STATIC_DIR).map((name) => ({
    path: name,
    body: readFileSync(join(STATIC_DIR, name)),
    type: typeOf(name),
  }));
}

function collect(outputs: OutputFile[]): ConsoleFile[] {
  const root = resolve(CONSOLE_DIR, 'out');
  const built = outputs.map((file) => {
    const path = file.path.slice(root.length + 1);
    return { path, body: Buffer.from(file.contents), type: typeOf(path) };
  });
  return [...built, ...staticFiles()];
}

function writeAll(files: ConsoleFile[], outdir: string): void {
  for (const file of files) {
    const target = join(outdir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.body);
  }
}

/**
 * Bundles the console: `index.html`, `app.js`, `styles.css` (with source maps) and the static
 * assets. Returns the files, and also writes them to `outdir` when given. No `config.json`: the
 * local stack serves its own, and the CDK deployment writes the AWS one.
 */
export async function buildConsole(
  options: { outdir?: string; minify?: boolean } = {},
): Promise<ConsoleFile[]> {
  const result = await build(esbuildOptions(options.minify ?? true));
  const files = collect(result.outputFiles ?? []);
  if (options.outdir) writeAll(files, options.outdir);
  return files;
}

/** {@link buildConsole}, synchronously: CDK's local bundling step cannot wait for a promise. */
export function buildConsoleSync(outdir: string, options: { minify?: boolean } = {}): ConsoleFile[] {
  const result = buildSync(esbuildOptions(options.minify ?? true));
  const files = collect(result.outputFiles ?? []);
  writeAll(files, outdir);
  return files;
}

let localBuild: Promise<ConsoleFile[]> | undefined;

/**
 * The console as the local stack serves it: built once in memory, with a `config.json` that says
 * `{"mode": "local"}` and lists the demo users. Returns the `staticFiles` hook of the local server.
 */
export async function localConsole(
  config: Omit<LocalConsoleConfig, 'mode'>,
): Promise<(path: string) => Promise<{ body: Buffer; type: string } | undefined>> {
  // One build per process: test runs start many local stacks, and the sources do not change under them.
  localBuild ??= buildConsole({ minify: false }).catch((error: unknown) => {
    localBuild = undefined;
    throw error;
  });
  const files = await localBuild;
  const byPath = new Map(files.map((file) => [`/${file.path}`, file]));
  const json = JSON.stringify({ mode: 'local', demoUsers: config.demoUsers } satisfies LocalConsoleConfig);
  byPath.set('/config.json', { path: 'config.json', body: Buffer.from(json), type: typeOf('config.json') });
  return async (path) => {
    const file = byPath.get(path === '/' ? '/index.html' : path);
    return file && { body: file.body, type: file.type };
  };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  // `npm run build:console [outdir]`: writes the console to a directory (default dist/console).
  const outdir = resolve(process.argv[2] ?? 'dist/console');
  const files = await buildConsole({ outdir });
  console.log(`console built into ${outdir}: ${files.map((f) => f.path).join(', ')}`);
}
