// The build itself lives in scripts/go-build.mjs: `turbo run build` runs it too.
export { buildGoBinary, findGo, GO_MODULE_DIR, GO_SKIP_REASON } from '../../scripts/go-build.mjs'

/** The binary built by test/global-setup.ts; throws the build's error when it failed. */
export function builtGoBinary(build: { binary?: string; error?: string }): string {
  if (build.binary !== undefined) return build.binary
  throw new Error(build.error ?? 'interop-go was not built (test/global-setup.ts did not run)')
}
