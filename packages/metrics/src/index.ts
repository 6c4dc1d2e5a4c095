export { createDepinCollector, type DepinCollector, type DepinCollectorInit } from './collector.js'
export { METRIC_DEFINITIONS, type MetricDefinition, type Sample } from './definitions.js'
export { MetricsServerStartError } from './errors.js'
export { type Libp2pMetricsInit, libp2pMetrics } from './libp2p.js'
export { type MetricsServer, type MetricsServerInit, startMetricsServer } from './server.js'
export {
  type DatabaseMetricsSource,
  type DepinMetricsSnapshot,
  type FacadeMetrics,
  fromFacadeMetrics,
} from './snapshot.js'
