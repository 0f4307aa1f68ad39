/**
 * Importing optional packages and telling "not installed" apart from "installed but
 * broken" (a native binding that fails to load, a missing shared library, a dependency
 * of the package that is missing).
 */

import { NOT_PROVIDED, notProvidedError, providedLoader } from './provided-packages.js';
import { detectRuntime, type Runtime } from './runtime.js';

/**
 * Loads a package by its specifier, like `(s) => import(s)`. Injectable so tests (and
 * bundled applications) can decide which packages exist.
 */
export type PackageImporter = (specifier: string) => Promise<unknown>;

/**
 * The importer for a runtime: the loader a bundle registered with `provideBackendPackage`
 * when there is one; else, in Node.js, a dynamic `import()` with a computed specifier (so
 * neither TypeScript nor bundlers require the optional packages to exist at build time);
 * else (a browser) a rejection that `tryImport` counts as "not installed", whose message
 * says which browser entry point to import.
 *
 * @param runtime - Node.js or a browser.
 */
export function importerFor(runtime: Runtime): PackageImporter {
  return (specifier) => {
    const load = providedLoader(specifier);
    if (load !== undefined) return load();
    if (runtime === 'browser') return Promise.reject(notProvidedError(specifier));
    return import(/* @vite-ignore */ specifier);
  };
}

/** The default importer: {@link importerFor} the runtime detected at each call. */
export const defaultImporter: PackageImporter = (specifier) => importerFor(detectRuntime())(specifier);

/** Result of {@link tryImport}. */
export type ImportOutcome =
  | {
      /** The package was imported. */
      readonly status: 'loaded';
      /** Its module namespace. */
      readonly module: unknown;
    }
  | {
      /** The package is not installed. */
      readonly status: 'missing';
      /** The module-not-found error. */
      readonly error: unknown;
    }
  | {
      /** The package is installed but failed to load. */
      readonly status: 'failed';
      /** Why it failed. */
      readonly error: unknown;
    };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * True when `error` says that `specifier` itself could not be found, as opposed to the
 * package being found and then failing (including a missing dependency or native file
 * inside it, whose messages name that other module).
 *
 * Recognised messages: Node ESM (`Cannot find package 'x' imported from ...`, code
 * ERR_MODULE_NOT_FOUND), Node CommonJS (`Cannot find module 'x'`, code
 * MODULE_NOT_FOUND), Vite / Vitest (`Could not resolve "x"`, `Failed to load url x`), a
 * browser's bare-specifier failure (`Failed to resolve module specifier "x"`), and the
 * default importer's own error for a package a browser bundle does not provide.
 *
 * @param error - What the importer threw.
 * @param specifier - The package that was imported.
 */
export function isModuleNotFound(error: unknown, specifier: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, specifier: named } = error as { code?: unknown; specifier?: unknown };
  if (code === NOT_PROVIDED) return named === specifier;
  const message = (error as { message?: unknown }).message;
  if (typeof message !== 'string') return false;
  // The specifier must follow the phrase directly (optionally quoted) and end there, so
  // "Cannot find module '/…/tfjs-node/lib/binding.node'" does not count as missing.
  const pattern = new RegExp(
    `(Cannot find (package|module)|Could not resolve|Failed to resolve (import|module specifier)|Failed to load url) ` +
      `(['"]${escapeRegExp(specifier)}['"]|${escapeRegExp(specifier)}(\\s|$))`,
  );
  return pattern.test(message);
}

/**
 * Imports `specifier` and classifies the outcome.
 *
 * @param importer - How to import.
 * @param specifier - Package name.
 * @returns `loaded` with the module namespace, `missing` when the package is not
 *   installed, or `failed` with the underlying error when it is installed but throws
 *   while loading.
 */
export async function tryImport(importer: PackageImporter, specifier: string): Promise<ImportOutcome> {
  try {
    return { status: 'loaded', module: await importer(specifier) };
  } catch (error) {
    return isModuleNotFound(error, specifier) ? { status: 'missing', error } : { status: 'failed', error };
  }
}

/** A short, single-line description of an error for reports and messages. */
export function errorSummary(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split('\n', 1)[0] ?? '';
  return firstLine.length > 300 ? `${firstLine.slice(0, 297)}...` : firstLine;
}
