import type { Options } from 'tsup'

declare const config: Options
export default config

/** A runnable app entry bundled into one file with its dependencies (native QUIC addon copied beside it). */
export declare function appBundle(options: { entry: string[]; appDir: string; outDir?: string }): Options
/** Copies the installed native QUIC addon(s) into `outDir`; returns the file names. */
export declare function copyQuicAddons(appDir: string, outDir: string): string[]
