export { createCounts, isFigure, snapshotOf } from './counts.js'
export { counter, countsBy, each, field, flag, gauge, metric, oneHot, seconds } from './declare.js'
export type {
  AnyFigure,
  Count,
  CountsOf,
  Figure,
  FigureGroup,
  MetricDeclaration,
  Read,
  ReadsOf,
  Sample,
  SnapshotOf,
} from './figure.js'
