# usage: testnet-stream-scan-2026-12-07.py TESTNET_OUTPUT (the --plain output of a running testnet, for its listening lines) — each node's /metrics: connections, streams still negotiating, outbound GossipSub streams, link repairs; lists nodes with no outbound GossipSub stream
import re, sys, urllib.request, concurrent.futures as cf
urls = {}
for l in open(sys.argv[1], errors='replace'):
    m = re.search(r'node (\d+) \((?:node|bootstrap)\).*?(http://\S+/metrics)', l)
    if m: urls[int(m.group(1))] = m.group(2)
def get(i):
    try:
        t = urllib.request.urlopen(urls[i], timeout=60).read().decode()
    except Exception as e: return i, None
    d = {}
    for l in t.splitlines():
        if l.startswith('#'): continue
        for k, pat in [('conns', r'^depin_node_connections (\S+)'), ('outq', r'protocol="outbound "\} (\S+)'), ('inq', r'protocol="inbound "\} (\S+)'), ('msub', r'protocol="outbound /meshsub/1.2.0"\} (\S+)'), ('rep', r'^depin_node_pubsub_link_repairs_total (\S+)'), ('opened', r'^depin_node_connections_opened_total (\S+)')]:
            m = re.search(pat, l)
            if m: d[k] = float(m.group(1))
    return i, d
with cf.ThreadPoolExecutor(16) as ex: res = dict(ex.map(get, sorted(urls)))
bad = [i for i, d in res.items() if d is not None and d.get('msub', 0) == 0]
print('nodes', len(res), 'no outbound meshsub', len(bad))
print('bad:', bad[:80])
import statistics
for name, group in [('bad', bad), ('good', [i for i in res if res[i] is not None and i not in bad])]:
    for k in ['conns', 'outq', 'inq', 'rep', 'opened']:
        v = [res[i].get(k, 0) for i in group]
        if v: print(name, k, 'median', statistics.median(v), 'max', max(v), 'sum', sum(v))
