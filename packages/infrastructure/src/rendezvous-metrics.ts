// What the rendezvous of every database counts (rendezvous.ts).

import { counter } from '@depin/metrics-schema'

/** What the rendezvous of every database counts, part of the node's metrics. */
export const RENDEZVOUS_METRICS = {
  /** Rendezvous lookups run (all databases). */
  rendezvousFinds: counter('node_rendezvous_finds_total', 'Rendezvous lookups run.'),
  /** Rendezvous lookups skipped because the database had `rendezvous.targetPeers` connected. */
  rendezvousSkips: counter(
    'node_rendezvous_lookups_skipped_total',
    'Rendezvous lookups skipped because the database had rendezvous.targetPeers peers connected.',
  ),
  /** Peers found through rendezvous lookups, excluding ourselves (counted per lookup). */
  dhtPeersFound: counter(
    'node_rendezvous_peers_found_total',
    'Peers found through rendezvous lookups (per lookup).',
  ),
  /** Dials of peers found through rendezvous that connected. */
  rendezvousDials: counter('node_rendezvous_dials_total', 'Dials of rendezvous-found peers that connected.'),
  /**
   * Retries of an advertisement that reached nobody, put off because the database had
   * `rendezvous.targetPeers` connected (checked again at the retry interval).
   */
  rendezvousAdvertiseRetriesSkipped: counter(
    'node_rendezvous_advertise_retries_skipped_total',
    'Retries of a rendezvous advertisement that reached nobody, put off while the database had rendezvous.targetPeers peers connected.',
  ),
  /** Advertisements (provider records) published. */
  rendezvousAdvertisements: counter(
    'node_rendezvous_advertisements_total',
    'Rendezvous provider records published.',
  ),
}
