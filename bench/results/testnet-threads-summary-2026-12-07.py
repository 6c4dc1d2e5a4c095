# usage: threads-summary.py THREADS.jsonl T0_EPOCH_MS WIN1_FROM-WIN1_TO ... (seconds since T0): cores by thread kind in each window
import sys, json
recs = [json.loads(l) for l in open(sys.argv[1])]
t0 = float(sys.argv[2])
def kind(name):
    if name.startswith('WorkerThread') or name == 'WorkerThread': return 'WorkerThread'
    if name.startswith('tokio'): return 'tokio-rt-worker'
    if name.startswith('V8') or name.startswith('DelayedTask') or 'Worker' in name and name != 'WorkerThread': return 'V8 helpers'
    if name in ('node', 'MainThread'): return 'MainThread'
    return 'other'
def totals(rec):
    out = {}
    for p in rec['p'].values():
        for name, ms in p['th'].items():
            k = kind(name); out[k] = out.get(k, 0) + ms
    return out
def at(sec):
    target = t0 + sec * 1000
    return min(recs, key=lambda r: abs(r['t'] - target))
for w in sys.argv[3:]:
    a, b = (float(x) for x in w.split('-'))
    ra, rb = at(a), at(b)
    ta, tb = totals(ra), totals(rb)
    dt = (rb['t'] - ra['t'])
    parts = sorted(((k, (tb.get(k, 0) - ta.get(k, 0)) / dt) for k in tb), key=lambda x: -x[1])
    rss = sum(p['rss'] for p in rb['p'].values()) / 1024
    print(f"{a:6.0f}-{b:6.0f} s  total {sum(v for _, v in parts):.2f}  " + '  '.join(f"{k} {v:.2f}" for k, v in parts if v >= 0.005) + f"  rss {rss:.0f} MB")
