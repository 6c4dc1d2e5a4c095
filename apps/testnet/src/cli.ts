#!/usr/bin/env node
// The testnet CLI: `npx -y pnpm@12.21.0 testnet [options]` (see --help).
import { writeFile } from 'node:fs/promises'
import { HELP, parseOptions, type TestnetOptions, UsageError } from './options.js'
import { choosePlacement } from './placement.js'
import { PreflightError, preflight, readMachineFacts } from './preflight.js'
import { runTestnet } from './run.js'
import { summary } from './summary.js'
import { LiveView, PlainView } from './view.js'

async function main(): Promise<number> {
  let options: TestnetOptions | undefined
  try {
    options = parseOptions(process.argv.slice(2), process.stdout.isTTY === true)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`${err.message}\n\n${HELP}`)
    return 2
  }
  if (options === undefined) {
    process.stdout.write(HELP)
    return 0
  }

  let notes: string[]
  try {
    notes = preflight(options, choosePlacement(options), readMachineFacts())
  } catch (err) {
    if (!(err instanceof PreflightError)) throw err
    process.stderr.write(`testnet: not starting: ${err.message}\n`)
    return 2
  }

  const controller = new AbortController()
  let interrupts = 0
  process.on('SIGINT', () => {
    interrupts++
    if (interrupts > 1) process.exit(130)
    controller.abort(new Error('interrupted'))
  })
  process.on('SIGTERM', () => controller.abort(new Error('terminated')))

  const title = `@depin/pubsub testnet: ${options.nodes} nodes + ${options.intruders} intruders, ${options.transport}, scenario ${options.scenario}, ${options.durationS}s of publishing at ${options.rate}/s per node`
  // A second Ctrl-C exits at once: leave the terminal's cursor visible even then.
  if (options.live) process.on('exit', () => process.stdout.write('\x1b[?25h'))
  const view = options.live
    ? new LiveView(process.stdout, title)
    : new PlainView((line) => process.stdout.write(`${line}\n`))
  if (!options.live) process.stdout.write(`${title}\n`)
  for (const note of notes) view.log(note, 0)
  const started = Date.now()
  view.start()
  const report = await runTestnet(options, {
    signal: controller.signal,
    log: (line) => view.log(line, Date.now() - started),
    onState: (state) => view.update(state),
  })
  view.stop()
  process.stdout.write(`${summary(report)}\n`)
  if (options.json !== undefined) {
    await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`)
    process.stdout.write(`report written to ${options.json}\n`)
  }
  if (controller.signal.aborted) return 130
  return report.ok ? 0 : 1
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(
      `testnet crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exitCode = 1
  },
)
