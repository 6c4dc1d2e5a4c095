import type { BootstrapNode } from '@depin/identity'
import { type Controllable, createControllable } from './controllable.js'

/**
 * An in-memory wallet registry, standing in for the on-chain one. Hand `getAuthorizedWallets` to
 * the code under test; change the set, or make calls throw, hang or slow down, at any time.
 *
 * @example
 * const registry = createInMemoryRegistry([a.wallet, b.wallet])
 * registry.remove(b.wallet)      // revocation
 * registry.throw()               // registry outage
 */
export interface InMemoryRegistry extends Omit<Controllable<string[]>, 'fn'> {
  readonly getAuthorizedWallets: (options?: { signal?: AbortSignal }) => Promise<string[]>
  readonly wallets: ReadonlySet<string>
  add(...wallets: string[]): void
  remove(...wallets: string[]): void
  set(wallets: Iterable<string>): void
}

export function createInMemoryRegistry(initial: Iterable<string> = []): InMemoryRegistry {
  const wallets = new Set(initial)
  const control = createControllable(() => [...wallets])
  return Object.assign(control, {
    getAuthorizedWallets: control.fn,
    wallets,
    add: (...more: string[]) => {
      for (const w of more) wallets.add(w)
    },
    remove: (...less: string[]) => {
      for (const w of less) wallets.delete(w)
    },
    set: (next: Iterable<string>) => {
      wallets.clear()
      for (const w of next) wallets.add(w)
    },
  })
}

/** An in-memory bootstrap node list with the same controls as {@link InMemoryRegistry}. */
export interface InMemoryBootstrapList extends Omit<Controllable<BootstrapNode[]>, 'fn'> {
  readonly getBootstrapNodes: (options?: { signal?: AbortSignal }) => Promise<BootstrapNode[]>
  readonly nodes: BootstrapNode[]
  set(nodes: BootstrapNode[]): void
}

export function createInMemoryBootstrapList(initial: BootstrapNode[] = []): InMemoryBootstrapList {
  let nodes = [...initial]
  const control = createControllable(() => [...nodes])
  const list = Object.assign(control, {
    getBootstrapNodes: control.fn,
    set: (next: BootstrapNode[]) => {
      nodes = [...next]
    },
  })
  // A getter, so `list.nodes` is always the current list (Object.assign would copy a snapshot).
  return Object.defineProperty(list as typeof list & { readonly nodes: BootstrapNode[] }, 'nodes', {
    get: () => nodes,
    enumerable: true,
  })
}
