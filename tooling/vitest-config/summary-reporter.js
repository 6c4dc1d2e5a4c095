// @ts-check
/**
 * Prints one plain closing line, `Summary: N passed, N failed, N skipped`, after vitest's own
 * summary, so that CI tooling that does not parse vitest's format can still read the result.
 *
 * @implements {import('vitest/node').Reporter}
 */
export default class SummaryReporter {
  /**
   * @param {ReadonlyArray<import('vitest/node').TestModule>} testModules
   * @param {ReadonlyArray<unknown>} unhandledErrors
   */
  onTestRunEnd(testModules, unhandledErrors) {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const mod of testModules) {
      const tests = [...mod.children.allTests()]
      for (const test of tests) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else skipped++
      }
      // A file that failed to load has no tests but is a failure all the same.
      if (tests.length === 0 && mod.state() === 'failed') failed++
    }
    failed += unhandledErrors.length
    // Printed after vitest's own summary (which it writes on the same hook) by deferring a tick.
    setImmediate(() =>
      process.stdout.write(`\nSummary: ${passed} passed, ${failed} failed, ${skipped} skipped\n`),
    )
  }
}
