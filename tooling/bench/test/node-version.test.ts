import { describe, expect, test } from 'vitest'
import { MIN_NODE_MAJOR, nodeVersionProblem } from '../src/node-version.js'

describe('nodeVersionProblem', () => {
  test('refuses Node 20, naming the version and the command that runs the right one', () => {
    const problem = nodeVersionProblem('v20.20.2')
    expect(problem).toContain('v20.20.2')
    expect(problem).toContain(`Node.js ${MIN_NODE_MAJOR} or later`)
    expect(problem).toContain('npx -y pnpm@12.21.0 bench')
  })

  test('accepts the supported majors and this Node', () => {
    expect(nodeVersionProblem('v22.0.0')).toBeUndefined()
    expect(nodeVersionProblem('v24.21.0')).toBeUndefined()
    expect(nodeVersionProblem(process.version)).toBeUndefined()
  })

  test('refuses a version it cannot read', () => {
    expect(nodeVersionProblem('unknown')).toContain('unknown')
  })
})
