# Per 30 s scrape interval of one run of gossipsub-streams-ab-2026-12-05.sh: growth of each counter prefix given
# (comma-separated), per scraped node and minute. Usage: <script> /tmp/idle100/ab-gs-1 depin_node_pubsub_link_repairs_total,...
import collections, glob, re, sys
run = sys.argv[1]; keys = sys.argv[2].split(',')
files = sorted(glob.glob(run + '-scrapes/*.prom'))
def parse(path):
    v = {}
    for line in open(path):
        if line.startswith('#') or not line.strip(): continue
        k, _, val = line.rpartition(' ')
        try: v[k] = float(val)
        except ValueError: pass
    return v
by_ts = collections.defaultdict(dict)
for f in files:
    ts, node = re.search(r'/(\d+)-(\d+)\.prom$', f).groups()
    by_ts[int(ts)][node] = parse(f)
stamps = sorted(by_ts); t0 = stamps[0] - 40  # the first scrape is 40 s after the start
print('t(s) ' + ' | '.join(k[:50] for k in keys))
for a, b in zip(stamps, stamps[1:]):
    row = []
    for k in keys:
        tot, n = 0, 0
        for node, vb in by_ts[b].items():
            va = by_ts[a].get(node)
            if not va: continue
            sa = sum(x for kk, x in va.items() if kk.startswith(k)); sb = sum(x for kk, x in vb.items() if kk.startswith(k))
            tot += sb - sa; n += 1
        row.append(f'{tot / max(n,1) / ((b - a) / 60):7.1f}')
    print(f'{b - t0:4d} ' + ' '.join(row))
