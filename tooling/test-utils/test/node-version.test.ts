import { describe, expect, it } from 'vitest'
import { MIN_NODE_MAJOR, nodeVersionProblem } from '../src/node-version.js'

const FIX = 'run it with `npx -y pnpm@12.21.0 bench`'

describe('the test runtime', () => {
  it('is Node >= 22 (libp2p and @chainsafe/libp2p-quic need it; the root node@24 devDependency provides it)', () => {
    const major = Number(process.versions.node.split('.')[0])
    expect(major, `running on Node ${process.versions.node}`).toBeGreaterThanOrEqual(MIN_NODE_MAJOR)
  })
})

describe('nodeVersionProblem', () => {
  it('refuses Node 20, naming the version, what runs on it and how to run the right one', () => {
    const problem = nodeVersionProblem('v20.20.2', 'the bench', FIX)
    expect(problem).toBe(
      `Node.js v20.20.2 runs the bench, but it needs Node.js ${MIN_NODE_MAJOR} or later: ${FIX}`,
    )
  })

  it('accepts the supported majors and this Node', () => {
    expect(nodeVersionProblem('v22.0.0', 'the bench', FIX)).toBeUndefined()
    expect(nodeVersionProblem('24.21.0', 'the bench', FIX)).toBeUndefined()
    expect(nodeVersionProblem(process.version, 'the bench', FIX)).toBeUndefined()
  })

  it('refuses a version it cannot read', () => {
    expect(nodeVersionProblem('unknown', 'the testnet', FIX)).toContain('Node.js unknown runs the testnet')
    expect(nodeVersionProblem('', 'the testnet', FIX)).toContain('needs Node.js')
  })
})
