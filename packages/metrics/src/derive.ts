import {
  type Figure,
  type FigureGroup,
  isFigure,
  type MetricDeclaration,
  type Sample,
} from '@depin/metrics-schema'
import type { DatabaseMetricsSource, DepinMetricsSnapshot } from './snapshot.js'

export type { Sample } from '@depin/metrics-schema'

/** How one Prometheus metric is read from a snapshot. */
export interface MetricDefinition {
  /** Name without the prefix. */
  name: string
  help: string
  type: 'counter' | 'gauge'
  labelNames: readonly string[]
  samples(snapshot: DepinMetricsSnapshot): Sample[]
}

/** Where a package's `metrics()` results sit in a snapshot, each with the labels of its samples. */
export interface Scope {
  /** The labels every sample of the scope carries, before the metric's own. */
  labelNames: readonly string[]
  /** The package's `metrics()` results in `snapshot` (none when absent), each with its labels. */
  roots(
    snapshot: DepinMetricsSnapshot,
  ): ReadonlyArray<readonly [labels: Record<string, string>, root: unknown]>
}

/** Remembers the roots of the last snapshot: every definition of a scope reads them in one scrape. */
function lastRoots(
  roots: (snapshot: DepinMetricsSnapshot) => ReadonlyArray<readonly [Record<string, string>, unknown]>,
): Scope['roots'] {
  let last: DepinMetricsSnapshot | undefined
  let lastRoots: ReadonlyArray<readonly [Record<string, string>, unknown]> = []
  return (snapshot) => {
    if (snapshot !== last) {
      last = snapshot
      lastRoots = roots(snapshot)
    }
    return lastRoots
  }
}

/** A scope of one `metrics()` result without labels (the node, the host's gater group). */
export function single(pick: (snapshot: DepinMetricsSnapshot) => unknown): Scope {
  return {
    labelNames: [],
    roots: lastRoots((snapshot) => {
      const root = pick(snapshot)
      return root === undefined ? [] : [[{}, root]]
    }),
  }
}

/** A scope of one `metrics()` result per database, labelled `database`. */
export function perDatabase(pick: (db: DatabaseMetricsSource) => unknown): Scope {
  return {
    labelNames: ['database'],
    roots: lastRoots((snapshot) => {
      const roots: Array<readonly [Record<string, string>, unknown]> = []
      for (const db of snapshot.databases ?? []) {
        const root = pick(db)
        if (root !== undefined) roots.push([{ database: db.name }, root])
      }
      return roots
    }),
  }
}

type Read = (root: unknown) => unknown

/** A figure's metric and how its value is read from the scope's root. */
type Source = readonly [declaration: MetricDeclaration<unknown>, read: Read]

/** Every declared metric of `group`, in declaration order, with the figures that feed it. */
function collectSources(group: FigureGroup, readGroup: Read, out: Map<string, Source[]>): void {
  for (const [key, entry] of Object.entries(group)) {
    const read: Read = (root) => (readGroup(root) as Record<string, unknown>)[key]
    if (!isFigure(entry)) {
      collectSources(entry, read, out)
      continue
    }
    const declaration = (entry as Figure<unknown>).metric
    if (declaration === undefined) continue
    const sources = out.get(declaration.name)
    if (sources === undefined) {
      out.set(declaration.name, [[declaration, read]])
    } else {
      assertAlike(sources[0]?.[0], declaration)
      sources.push([declaration, read])
    }
  }
}

/** Figures feeding one metric must declare it alike. */
function assertAlike(first: MetricDeclaration<unknown> | undefined, next: MetricDeclaration<unknown>): void {
  if (
    first?.help !== next.help ||
    first.type !== next.type ||
    first.labelNames.join() !== next.labelNames.join()
  ) {
    throw new Error(`metric ${next.name} is declared twice with a different help, type or labels`)
  }
}

/**
 * The Prometheus metrics a package declares, read from its `metrics()` results in `scope`: one per
 * declared name (figures declaring the same name feed one metric), in declaration order.
 */
export function definitionsOf(group: FigureGroup, scope: Scope): MetricDefinition[] {
  const byName = new Map<string, Source[]>()
  collectSources(group, (root) => root, byName)
  const scoped = scope.labelNames.length > 0
  return [...byName.values()].map((sources) => {
    const [first] = sources as [Source, ...Source[]]
    return {
      name: first[0].name,
      help: first[0].help,
      type: first[0].type,
      labelNames: [...scope.labelNames, ...first[0].labelNames],
      samples: (snapshot) => {
        const out: Sample[] = []
        for (const [labels, root] of scope.roots(snapshot)) {
          for (const [declaration, read] of sources) {
            for (const sample of declaration.samples(read(root))) {
              out.push(scoped ? [{ ...labels, ...sample[0] }, sample[1]] : sample)
            }
          }
        }
        return out
      },
    }
  })
}
