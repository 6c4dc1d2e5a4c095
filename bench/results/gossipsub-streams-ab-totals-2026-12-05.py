# Per run of gossipsub-streams-ab-2026-12-05.sh: whole-run CPU, ready, mesh, connections opened, p50/p99, deliveries,
# and the GossipSub link repairs per scraped node over the run (its last scrape). Usage: <script> /tmp/idle100/ab-gs-1 ...
import glob, json, re, sys
for run in sys.argv[1:]:
    files = sorted(glob.glob(run + '-scrapes/*.prom'))
    last = {}
    for f in files:
        ts, node = re.search(r'/(\d+)-(\d+)\.prom$', f).groups()
        txt = open(f).read()
        if 'depin_node_pubsub_link_repairs_total' in txt: last[node] = txt
    rep = [float(re.search(r'^depin_node_pubsub_link_repairs_total(?:\{[^}]*\})? (\S+)', t, re.M).group(1)) for t in last.values()]
    cpu = sum(float(x) for x in open(run + '.cpu').read().split())
    r = json.load(open(run + '.json'))
    so = r['scenarioOutcome']; t = r['totals']
    opened = t.get('connectionsOpenedPerNode', {})
    print(f"{run.split('/')[-1]:12s} cpu {cpu:6.1f} s  ready {so['timeline']['readyAtMs']/1000:5.1f} s  mesh {so['meshFormedMs']/1000:5.1f} s  opened {opened.get('min')}/{opened.get('median')}/{opened.get('max')}  repairs/node {sum(rep)/len(rep):6.1f} (n={len(rep)})  p50/p99 {t['latencyMs']['p50']}/{t['latencyMs']['p99']}  delivered {t['delivered']}/{t['expected']}")
