import { GATER_GROUP_METRICS, REGISTRY_GATER_METRICS } from '@depin/gater'
import { NODE_METRICS } from '@depin/infrastructure'
import { MESSAGING_METRICS } from '@depin/messaging'
import type { FigureGroup } from '@depin/metrics-schema'
import { definitionsOf, type MetricDefinition, perDatabase, type Scope, single } from './derive.js'

export type { MetricDefinition, Sample } from './derive.js'

/** Each package's declarations, and where its `metrics()` results sit in a snapshot. */
const DECLARED: ReadonlyArray<readonly [FigureGroup, Scope]> = [
  // @depin/infrastructure: the shared node.
  [NODE_METRICS, single((s) => s.node)],
  // @depin/gater: the host's gater group (decisions at libp2p's hooks).
  [GATER_GROUP_METRICS, single((s) => s.hostGater)],
  // @depin/gater: each database's registry gater.
  [REGISTRY_GATER_METRICS, perDatabase((db) => db.gater)],
  // @depin/messaging: each database's topics, history and catch-up.
  [MESSAGING_METRICS, perDatabase((db) => db.messaging)],
]

/**
 * Every metric the collector exposes, derived from the lower packages' declarations: a figure
 * declared there reaches Prometheus with no change here.
 */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = Object.freeze(
  DECLARED.flatMap(([group, scope]) => definitionsOf(group, scope)),
)
