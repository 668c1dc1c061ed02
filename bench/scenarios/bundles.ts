import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import pMap from 'p-map';
import { childSettings, progress, writeResult } from '../support/harness';

export type BundleSize = {
  entry: string;
  bytes: number;
  gzipBytes: number;
  mapBytes: number;
  inputs: number;
};
export type Contributor = { name: string; bytes: number; share: number };
export type Probe = { name: string; source: string; bytes: number };
export type BundlesResult = {
  esbuild: string;
  functions: BundleSize[];
  largest: { entry: string; byPackage: Contributor[]; byFile: Contributor[] };
  smallest: { entry: string; byPackage: Contributor[] };
  /** One-line entries bundled the same way: what an import costs on its own. */
  probes: Probe[];
};

/** Single imports, bundled alone with the same options, to price the biggest contributors. */
const PROBES: { name: string; source: string }[] = [
  {
    name: 'zod, named import (`{ z }`: the whole library)',
    source: "import { z } from 'zod'; export const s = z.object({ a: z.string() });",
  },
  {
    name: 'zod, namespace import (as the code does)',
    source: "import * as z from 'zod'; export const s = z.object({ a: z.string() });",
  },
  {
    name: 'zod/mini',
    source: "import * as z from 'zod/mini'; export const s = z.object({ a: z.string() });",
  },
  {
    name: 'libphonenumber-js/max (as the code does)',
    source:
      "import { parsePhoneNumberFromString as p } from 'libphonenumber-js/max'; export const f = (x: string) => p(x, 'CN');",
  },
  {
    name: 'libphonenumber-js/mobile',
    source:
      "import { parsePhoneNumberFromString as p } from 'libphonenumber-js/mobile'; export const f = (x: string) => p(x, 'CN');",
  },
  {
    name: 'libphonenumber-js (min metadata)',
    source:
      "import { parsePhoneNumberFromString as p } from 'libphonenumber-js/min'; export const f = (x: string) => p(x, 'CN');",
  },
];

/** Every Lambda entry: each `.ts` file under functions/. */
function entries(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return entries(path);
      return name.endsWith('.ts') ? [path] : [];
    })
    .sort();
}

/** `node_modules/@aws-sdk/client-dynamodb/dist-es/…` → `@aws-sdk/client-dynamodb`; our files by folder. */
function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return parts.slice(0, Math.min(2, parts.length - 1)).join('/') || input;
  const first = parts[at + 1] ?? '';
  return first.startsWith('@') ? `${first}/${parts[at + 2] ?? ''}` : first;
}

/** The bundling options of infra/constructs/app-function.ts, as CDK passes them to esbuild. */
const OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  external: [],
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'error',
} satisfies BuildOptions;

/**
 * Bundles each function exactly as infra/constructs/app-function.ts has CDK's NodejsFunction do
 * it (esbuild: ESM, node22, minified, every module bundled, mainFields module,main, an external
 * source map without sources, the createRequire banner), into a temporary directory.
 */
async function main(): Promise<void> {
  const { resultFile } = childSettings<Record<string, never>>();
  const root = process.cwd();
  const tsconfig = join(root, 'tsconfig.json');
  const out = mkdtempSync(join(tmpdir(), 'pingji-bundles-'));
  const { version } = (await import('esbuild')) as { version: string };
  try {
    const metafiles = new Map<string, Record<string, { bytesInOutput: number }>>();
    const functions = await pMap(
      entries(resolve(root, 'functions')),
      async (file): Promise<BundleSize> => {
        const entry = relative(join(root, 'functions'), file).replace(/\.ts$/, '');
        const outfile = join(out, entry, 'index.mjs');
        const result = await build({ ...OPTIONS, entryPoints: [file], outfile, tsconfig });
        const code = readFileSync(outfile);
        const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('index.mjs'));
        const inputs = output?.[1].inputs ?? {};
        metafiles.set(entry, inputs);
        progress('bundles', `${entry}: ${(code.length / 1024).toFixed(0)} KiB`);
        return {
          entry,
          bytes: code.length,
          gzipBytes: gzipSync(code, { level: 9 }).length,
          mapBytes: statSync(`${outfile}.map`).size,
          inputs: Object.keys(inputs).length,
        };
      },
      { concurrency: Math.max(1, Math.min(4, cpus().length)) },
    );
    const probes: Probe[] = [];
    for (const probe of PROBES) {
      const outfile = join(out, 'probes', `${probes.length}.mjs`);
      await build({
        ...OPTIONS,
        stdin: { contents: probe.source, loader: 'ts', resolveDir: root },
        outfile,
        tsconfig,
      });
      probes.push({ ...probe, bytes: statSync(outfile).size });
    }
    const bySize = [...functions].sort((a, b) => b.bytes - a.bytes);
    const largest = bySize[0];
    const smallest = bySize.at(-1);
    if (!largest || !smallest) throw new Error('no functions found');
    writeResult(resultFile, {
      esbuild: version,
      functions,
      largest: {
        entry: largest.entry,
        byPackage: contributors(metafiles.get(largest.entry) ?? {}, packageOf, 15),
        byFile: contributors(metafiles.get(largest.entry) ?? {}, (path) => path, 10),
      },
      smallest: {
        entry: smallest.entry,
        byPackage: contributors(metafiles.get(smallest.entry) ?? {}, packageOf, 8),
      },
      probes,
    } satisfies BundlesResult);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The biggest contributors to one bundle, grouped by `group`, with their share of it. */
function contributors(
  inputs: Record<string, { bytesInOutput: number }>,
  group: (path: string) => string,
  top: number,
): Contributor[] {
  const total = Object.values(inputs).reduce((n, i) => n + i.bytesInOutput, 0);
  const sums = new Map<string, number>();
  for (const [path, input] of Object.entries(inputs))
    sums.set(group(path), (sums.get(group(path)) ?? 0) + input.bytesInOutput);
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => ({ name, bytes, share: bytes / Math.max(1, total) }));
}

await main();
