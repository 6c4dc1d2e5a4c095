#!/usr/bin/env python3
# Sums, over the nodes scraped by advertise-backoff-ab-2026-12-05.sh, how much each counter grew between the first
# scrape at or after FROM (unix seconds; default: the run's mesh time read from its log) and the node's last scrape.
# Usage: advertise-backoff-scrapes-2026-12-05.py <run>   (e.g. /tmp/ab-backoff/after-1)
import collections, glob, re, sys

run = sys.argv[1]
log = open(run + '.log').read()
files = sorted(glob.glob(run + '-scrapes/*.prom'))
stamps = sorted({int(re.search(r'/(\d+)-\d+\.prom$', f).group(1)) for f in files})
mesh = re.search(r'\[\s*([\d.]+)s\] mesh formed', log)
start = stamps[0] - 60  # the first scrape is 60 s after the run started
t_from = int(sys.argv[2]) if len(sys.argv) > 2 else start + int(float(mesh.group(1))) + 10 if mesh else stamps[0]

def parse(path):
    values = {}
    for line in open(path):
        if line.startswith('#') or not line.strip():
            continue
        key, _, value = line.rpartition(' ')
        try:
            values[key] = float(value)
        except ValueError:
            pass
    return values

by_node = collections.defaultdict(list)
for f in files:
    ts, node = re.search(r'/(\d+)-(\d+)\.prom$', f).groups()
    if int(ts) >= t_from and open(f).read().strip():
        by_node[node].append((int(ts), f))
growth, spans = collections.Counter(), []
for node, scrapes in by_node.items():
    scrapes.sort()
    if len(scrapes) < 2:
        continue
    first, last = parse(scrapes[0][1]), parse(scrapes[-1][1])
    spans.append(scrapes[-1][0] - scrapes[0][0])
    for key, value in last.items():
        if '_total' in key and key in first and value > first[key]:
            growth[key] += value - first[key]
seconds = sum(spans)
print(f'{run}: {len(spans)} nodes, from {t_from - start} s into the run, {seconds} node-seconds')
for key, value in growth.most_common():
    if 'bytes_total' in key or 'gater_decisions' in key:
        continue
    print(f'{value:9.0f}  {value / seconds * 60:8.2f} /min/node  {key}')
