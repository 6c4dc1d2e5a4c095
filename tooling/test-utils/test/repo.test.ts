import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

describe('the repository', () => {
  it("README gives the two commands, and .ci/run calls exactly README's test command", () => {
    const readme = read('README.md')
    expect(readme).toContain('npx -y pnpm@12.21.0 testnet')
    expect(readme).toContain('npx -y pnpm@12.21.0 test')
    const ci = read('.ci/run')
    expect(ci.split('\n').map((line) => line.trim())).toContain('npx -y pnpm@12.21.0 test')
  })

  it('every package has a README, a test, a build to ESM + .d.ts, and is linked from the root README', () => {
    const readme = read('README.md')
    for (const dir of readdirSync(join(root, 'packages'))) {
      const pkg = JSON.parse(read(`packages/${dir}/package.json`)) as {
        name: string
        type: string
        exports: Record<string, { types: string; import: string }>
      }
      expect(existsSync(join(root, 'packages', dir, 'README.md')), `${dir}/README.md`).toBe(true)
      expect(readme, `root README links ${dir}`).toContain(`packages/${dir}/README.md`)
      expect(pkg.type).toBe('module')
      expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' })
      const tests = readdirSync(join(root, 'packages', dir, 'test')).filter((f) => f.endsWith('.test.ts'))
      expect(tests, `${dir} has tests`).not.toHaveLength(0)
    }
  })
})
