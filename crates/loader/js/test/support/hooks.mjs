// Node module-customisation hooks for the test harness: load amplify/ TypeScript
// files (type-stripped with esbuild, with inline source maps so stack traces
// point at the .ts source, as the Rust loader's do) and serve
// `@aws-amplify/backend` / `@aws-amplify/data-schema` from our runtime, or —
// for modules loaded with `?mode=official` — from the official package.
//
// The `mode` query is propagated to relative imports, so one process can load
// the same schema file against both implementations.

import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

let esbuild;
let targets;

export async function initialize(data) {
  targets = data.targets; // { ours: {backend, dataSchema}, official?: {backend, dataSchema} }
  esbuild = await import(data.esbuildUrl);
}

const modeOf = (url) => {
  if (!url) return 'ours';
  try {
    return new URL(url).searchParams.get('mode') || 'ours';
  } catch {
    return 'ours';
  }
};

async function exists(url) {
  try {
    return (await stat(fileURLToPath(url))).isFile();
  } catch {
    return false;
  }
}

export async function resolve(specifier, context, next) {
  const mode = modeOf(context.parentURL);
  const packages = targets[mode] || targets.ours;
  if (specifier === '@aws-amplify/backend') return { url: packages.backend, shortCircuit: true };
  if (specifier === '@aws-amplify/data-schema') return { url: packages.dataSchema, shortCircuit: true };
  if ((specifier.startsWith('./') || specifier.startsWith('../')) && context.parentURL?.startsWith('file:')) {
    const base = new URL(specifier, context.parentURL);
    base.search = '';
    const candidates = [base.href];
    if (!/\.(m?[jt]s|tsx)$/.test(base.pathname)) candidates.push(`${base.href}.ts`, `${base.href}.js`, `${base.href}/index.ts`, `${base.href}/index.js`);
    else if (base.pathname.endsWith('.js')) candidates.push(base.href.replace(/\.js$/, '.ts'));
    for (const c of candidates) {
      if (await exists(c)) {
        const url = new URL(c);
        const parent = new URL(context.parentURL);
        url.search = parent.search;
        return { url: url.href, shortCircuit: true, format: 'module' };
      }
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  const path = url.startsWith('file:') ? new URL(url).pathname : '';
  if (/\.(m?ts|tsx)$/.test(path)) {
    const source = await readFile(fileURLToPath(new URL(url.split('?')[0])), 'utf8');
    const { code } = await esbuild.transform(source, {
      loader: path.endsWith('x') ? 'tsx' : 'ts',
      format: 'esm',
      target: 'es2022',
      sourcemap: 'inline',
      sourcefile: fileURLToPath(new URL(url.split('?')[0])),
    });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return next(url, context);
}

export { pathToFileURL };
