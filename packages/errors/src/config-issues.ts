import type { DepinErrorCode } from './codes.js'
import { DepinError, type DepinErrorOptions } from './depin-error.js'
import type { ConfigIssue } from './invalid-config.js'

/**
 * Collects the bad fields of one configuration object, so that a validator reports every one of
 * them at once instead of stopping at the first. Each package's validator checks every field,
 * `add`s what is wrong, keeps going with the default, and calls `throwIfAny` with its own error.
 *
 * @example
 * ```ts
 * const issues = new ConfigIssues()
 * if (!Number.isInteger(init.port)) issues.add('port', 'must be an integer')
 * if (typeof init.host !== 'string') issues.add('host', 'must be a string')
 * issues.throwIfAny((list) => new InvalidNodeConfigError(list)) // names both fields
 * ```
 */
export class ConfigIssues {
  readonly #issues: ConfigIssue[] = []

  /** Every issue added so far, in the order found. */
  get list(): readonly ConfigIssue[] {
    return this.#issues
  }

  /** Records that `field` (a dotted path such as `listenPorts.quic` or `allowList[2]`) is bad. */
  add(field: string, message: string): void {
    this.#issues.push({ field, message })
  }

  /** Records issues found by another validator (e.g. a lower package's options). */
  addAll(issues: Iterable<ConfigIssue>): void {
    for (const issue of issues) this.#issues.push(issue)
  }

  /**
   * Whether `field`, or a field inside it (`field.x`, `field[0]`), has an issue: a check across
   * fields that would compare against a rejected value is skipped rather than reported twice.
   */
  has(field: string): boolean {
    return this.#issues.some(
      (issue) =>
        issue.field === field || issue.field.startsWith(`${field}.`) || issue.field.startsWith(`${field}[`),
    )
  }

  /** Throws `toError(list)` if any issue was added; returns otherwise. */
  throwIfAny(toError: (issues: readonly ConfigIssue[]) => Error): void {
    if (this.#issues.length > 0) throw toError([...this.#issues])
  }
}

/**
 * The issues as one line, each naming its field: `a must be x; b must be y` (`between` goes between
 * a field and its message).
 */
export function describeConfigIssues(issues: readonly ConfigIssue[], between = ' '): string {
  return issues.map((issue) => `${issue.field}${between}${issue.message}`).join('; ')
}

/** A {@link DepinError} about a configuration object: `issues` lists every bad field, `field` names the first. */
export interface ConfigError<C extends DepinErrorCode> extends DepinError<C> {
  /** The first bad field, e.g. `listenPorts.quic` (see `issues` for all of them). */
  readonly field: string
  /** Every bad field, in the order found. */
  readonly issues: readonly ConfigIssue[]
}

/** The constructor {@link configErrorClass} returns. */
export interface ConfigErrorClass<C extends DepinErrorCode> {
  /** Every bad field (what validators throw). */
  new (issues: readonly ConfigIssue[], options?: DepinErrorOptions): ConfigError<C>
  /** One bad field (a single check outside a validator). */
  new (field: string, reason: string, options?: DepinErrorOptions): ConfigError<C>
}

/**
 * The base of a package's config error class: `issues` lists every bad field and `field` names the
 * first (what a single-field error named). `message` formats the message from the issues.
 *
 * @example
 * ```ts
 * export class InvalidNodeConfigError extends configErrorClass(
 *   'INVALID_NODE_CONFIG', 'InvalidNodeConfigError', (issues) => `Invalid node config: ${describeConfigIssues(issues)}`,
 * ) {}
 * ```
 */
export function configErrorClass<C extends DepinErrorCode>(
  code: C,
  errorName: string,
  message: (issues: readonly ConfigIssue[]) => string,
): ConfigErrorClass<C> {
  return class extends DepinError<C> {
    override name = errorName
    readonly field: string
    readonly issues: readonly ConfigIssue[]
    constructor(
      issuesOrField: readonly ConfigIssue[] | string,
      reasonOrOptions?: string | DepinErrorOptions,
      fieldOptions?: DepinErrorOptions,
    ) {
      const single = typeof issuesOrField === 'string'
      const issues = single
        ? [{ field: issuesOrField, message: String(reasonOrOptions) }]
        : [...issuesOrField]
      const options = (single ? fieldOptions : (reasonOrOptions as DepinErrorOptions | undefined)) ?? {}
      super(code, message(issues), options)
      this.field = issues[0]?.field ?? 'config'
      this.issues = issues
    }
  }
}
