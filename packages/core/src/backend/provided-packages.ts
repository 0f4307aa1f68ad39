/**
 * Backend packages that a bundle provides. A browser cannot import a package by a name
 * computed at run time (bundlers only follow `import('literal')`), so the browser entry
 * points (`@ncomp/core/browser`, `@ncomp/core/browser/wasm`, …) name each backend package
 * in a literal dynamic import and hand that loader to {@link provideBackendPackage};
 * `setBackend`'s default importer then uses it.
 */

/** Loads one package: `() => import('@tensorflow/tfjs-backend-wasm')`. */
export type PackageLoader = () => Promise<unknown>;

const provided = new Map<string, PackageLoader>();

/** The `code` of the error the default importer throws for a package a browser bundle lacks. */
export const NOT_PROVIDED = 'NCOMP_PACKAGE_NOT_PROVIDED';

/**
 * Registers how to load a backend package, for `setBackend` (and `onReadableBackend`) to
 * use instead of importing it by name. Called by ncomp's browser entry points; call it
 * yourself for a package of your own or to load one from elsewhere. A later call for the
 * same package replaces the loader.
 *
 * @param specifier - The package name `setBackend` asks for, e.g. `@tensorflow/tfjs-backend-webgl`.
 * @param load - Imports it, with a literal specifier so that bundlers include it.
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { provideBackendPackage, providedPackages, setBackend } from '@ncomp/core';
 *
 * provideBackendPackage('@tensorflow/tfjs-backend-cpu', () => import('@tensorflow/tfjs-backend-cpu'));
 * assert.ok(providedPackages().includes('@tensorflow/tfjs-backend-cpu'));
 * const report = await setBackend('cpu');
 * assert.equal(report.chosen, 'cpu');
 * ```
 */
export function provideBackendPackage(specifier: string, load: PackageLoader): void {
  provided.set(specifier, load);
}

/** The loader registered for `specifier`, if any. */
export function providedLoader(specifier: string): PackageLoader | undefined {
  return provided.get(specifier);
}

/** Names of the packages registered with {@link provideBackendPackage}, in registration order. */
export function providedPackages(): readonly string[] {
  return [...provided.keys()];
}

/** The error for a package that a browser bundle does not contain; `tryImport` counts it as missing. */
export function notProvidedError(specifier: string): Error {
  const error = new Error(
    `${specifier} is not in this bundle: a browser loads only the backend packages named in its bundle; ` +
      `import '@ncomp/core/browser' (wasm, webgl, webgpu and cpu) or '@ncomp/core/browser/<backend>' once before setBackend`,
  );
  return Object.assign(error, { code: NOT_PROVIDED, specifier });
}
