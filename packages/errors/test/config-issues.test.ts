import { describe, expect, it } from 'vitest'
import {
  ConfigIssues,
  configErrorClass,
  DepinError,
  describeConfigIssues,
  isDepinError,
} from '../src/index.js'

class TestConfigError extends configErrorClass(
  'INVALID_NODE_CONFIG',
  'TestConfigError',
  (issues) => `Invalid test config: ${describeConfigIssues(issues)}`,
) {}

describe('ConfigIssues', () => {
  it('collects every issue and throws them together', () => {
    const issues = new ConfigIssues()
    issues.add('port', 'must be an integer')
    issues.addAll([{ field: 'host', message: 'must be an address' }])
    const error = (() => {
      try {
        issues.throwIfAny((list) => new TestConfigError(list))
      } catch (err) {
        return err
      }
    })()
    expect(error).toBeInstanceOf(TestConfigError)
    expect(error).toBeInstanceOf(DepinError)
    expect(isDepinError(error, 'INVALID_NODE_CONFIG')).toBe(true)
    expect(error).toMatchObject({
      name: 'TestConfigError',
      field: 'port',
      issues: [
        { field: 'port', message: 'must be an integer' },
        { field: 'host', message: 'must be an address' },
      ],
      message: 'Invalid test config: port must be an integer; host must be an address',
    })
  })

  it('does not throw without issues', () => {
    expect(() => new ConfigIssues().throwIfAny((list) => new TestConfigError(list))).not.toThrow()
  })

  it('knows a field and the fields inside it', () => {
    const issues = new ConfigIssues()
    issues.add('rendezvous.findIntervalMs', 'x')
    issues.add('announceAddresses[1]', 'y')
    expect(issues.has('rendezvous')).toBe(true)
    expect(issues.has('rendezvous.findIntervalMs')).toBe(true)
    expect(issues.has('announceAddresses')).toBe(true)
    expect(issues.has('rendezvous.maxFindIntervalMs')).toBe(false)
    expect(issues.has('rende')).toBe(false)
  })
})

describe('configErrorClass', () => {
  it('also takes one field and its reason, with a cause', () => {
    const cause = new Error('inner')
    const error = new TestConfigError('listenHost', 'must be an address', { cause })
    expect(error).toMatchObject({
      field: 'listenHost',
      issues: [{ field: 'listenHost', message: 'must be an address' }],
      message: 'Invalid test config: listenHost must be an address',
      cause,
    })
  })

  it('formats with a separator between field and message', () => {
    expect(describeConfigIssues([{ field: 'a', message: 'bad' }], ': ')).toBe('a: bad')
  })
})
