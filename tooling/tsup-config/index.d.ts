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
 * An ES module bundle rewritten as the async function expression its launcher compiles with
 * `vm.Script` (`import.meta` -> `__depinMeta`, hashbang and banner import blanked; the function's
 * head opens the first line and its tail follows the last; every other position kept).
 */
export declare function launcherScript(code: string): { code: string; metas: number }
/** The launcher of an app bundle: compiles it with the code cache a started process wrote. */
export declare function launcher(main: string, build: string): string
/** A short fingerprint of a launcher script (its code cache is for that build only). */
export declare function buildId(code: string): string
