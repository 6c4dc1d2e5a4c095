import type { TestProject } from 'vitest/node'
import { buildGoBinary, GO_SKIP_REASON } from './helpers/go-binary.js'

/** What the build step left for the test files (`inject('interopGo')`). */
export interface InteropGoBuild {
  /** Path of the built program, when the build succeeded. */
  binary?: string
  /** Why there is no binary: the build's error (the tests fail with it). */
  error?: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    interopGo: InteropGoBuild
  }
}

/**
 * Builds the Go program once, before any test of any package runs: a cold build of go-libp2p keeps
 * both cores busy for about a minute and must not starve other packages' timed network tests.
 * `turbo run build` (the README's test command runs it first) has usually built it already, beside
 * the TypeScript packages; this build then takes seconds, from Go's cache.
 * Without the Go toolchain it builds nothing (the suites skip, saying why).
 */
export default async function setup(project: TestProject): Promise<void> {
  if (GO_SKIP_REASON !== undefined) {
    project.provide('interopGo', { error: GO_SKIP_REASON })
    return
  }
  const started = Date.now()
  try {
    const binary = await buildGoBinary()
    project.provide('interopGo', { binary })
    console.log(`interop-go: go build done in ${Date.now() - started} ms`)
  } catch (err) {
    project.provide('interopGo', { error: err instanceof Error ? err.message : String(err) })
  }
}
