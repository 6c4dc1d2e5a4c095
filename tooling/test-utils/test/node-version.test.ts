import { describe, expect, it } from 'vitest'

describe('the test runtime', () => {
  it('is Node >= 22 (libp2p and @chainsafe/libp2p-quic need it; the root node@24 devDependency provides it)', () => {
    const major = Number(process.versions.node.split('.')[0])
    expect(major, `running on Node ${process.versions.node}`).toBeGreaterThanOrEqual(22)
  })
})
