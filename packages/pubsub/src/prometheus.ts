import { Gauge, Registry } from 'prom-client'
import type { DatabaseMetrics } from './database.js'

/**
 * Renders {@link DatabaseMetrics} in Prometheus text format. Every number or boolean becomes a
 * gauge named `depin_<section>_<field>` (snake case) with a `database` label; nested records
 * (counts by reason or hook) become labels `key1`, `key2`.
 */
export async function toPrometheusText(databaseName: string, metrics: DatabaseMetrics): Promise<string> {
  const registry = new Registry()
  const gauges = new Map<string, Gauge>()
  const record = (name: string, labels: Record<string, string>, value: number): void => {
    let gauge = gauges.get(name)
    if (gauge === undefined) {
      gauge = new Gauge({
        name,
        help: name.replaceAll('_', ' '),
        labelNames: ['database', 'key1', 'key2'],
        registers: [registry],
      })
      gauges.set(name, gauge)
    }
    gauge.set({ database: databaseName, ...labels }, value)
  }
  const walk = (name: string, value: unknown, keys: string[]): void => {
    if (typeof value === 'number' && Number.isFinite(value)) {
      record(name, labelsOf(keys), value)
    } else if (typeof value === 'boolean') {
      record(name, labelsOf(keys), value ? 1 : 0)
    } else if (value !== null && typeof value === 'object' && keys.length < 2) {
      for (const [key, inner] of Object.entries(value)) walk(name, inner, [...keys, key])
    }
  }
  for (const [section, fields] of Object.entries(metrics)) {
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
      walk(`depin_${section}_${snake(field)}`, value, [])
    }
  }
  return registry.metrics()
}

function labelsOf(keys: string[]): Record<string, string> {
  const labels: Record<string, string> = {}
  if (keys[0] !== undefined) labels.key1 = keys[0]
  if (keys[1] !== undefined) labels.key2 = keys[1]
  return labels
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/[^a-z0-9_]/g, '_')
}
