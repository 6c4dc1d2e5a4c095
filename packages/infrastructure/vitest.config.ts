import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

export default mergeConfig(
  base,
  defineProject({
    test: {
      name: 'infrastructure',
      // leaks.test.ts forces GC: QUIC client UDP sockets are released only when collected.
      execArgv: ['--expose-gc'],
    },
  }),
)
