import type { Options } from 'tsup'

declare const config: Options
export default config

/** A runnable app entry bundled into one file with its dependencies (native QUIC addon copied beside it). */
export declare function appBundle(options: { entry: string[]; appDir: string; outDir?: string }): Options
/** The size of the slabs small `Buffer.allocUnsafe()` results are cut from in an app bundle's threads (8 KiB). */
export declare const BUFFER_POOL_SIZE: number
/**
 * The real folder of the last package of a chain of dependencies, each resolved from the real folder
 * of the one before (pnpm's layout); undefined when a link is missing.
 */
export declare function resolveThrough(fromDir: string, chain: string[]): string | undefined
/** Copies the installed native QUIC addon(s) into `outDir`; returns the file names. */
export declare function copyQuicAddons(appDir: string, outDir: string): string[]
/**
 * esbuild's lazily initialised module wrappers rewritten as parenthesised function expressions, so
 * that V8 compiles them with the file and Node's compile cache keeps them; `mappings` is the source
 * map's field, returned moved with the inserted text.
 */
export declare function eagerModuleBodies(
  code: string,
  mappings: string,
): { code: string; mappings: string; wrapped: number }
