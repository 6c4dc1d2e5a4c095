# usage: metrics-rates-2026-12-07.py PORTLO PORTHI WINDOW_S OUT — sums every /metrics counter over the nodes listening (TCP) on ports
# [PORTLO, PORTHI] at two instants WINDOW_S apart; writes per-node-per-second rates, largest first
import subprocess, sys, time, urllib.request, json
lo, hi, win, out = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
def targets():
    t = []
    for line in subprocess.run(['ss', '-ltnH'], capture_output=True, text=True).stdout.splitlines():
        addr = line.split()[3]; host, port = addr.rsplit(':', 1)
        if lo <= int(port) <= hi: t.append(f'http://{host}:{port}/metrics')
    return t
def snap(urls):
    tot = {}
    for u in urls:
        try: text = urllib.request.urlopen(u, timeout=10).read().decode()
        except Exception: continue
        for l in text.splitlines():
            if l.startswith('#') or not l: continue
            k, v = l.rsplit(' ', 1)
            try: tot[k] = tot.get(k, 0) + float(v)
            except ValueError: pass
    return tot
urls = targets(); n = len(urls)
a = snap(urls); t0 = time.time(); time.sleep(win); b = snap(urls); dt = time.time() - t0
rates = {k: (b[k] - a.get(k, 0)) / dt / n for k in b if b[k] != a.get(k, 0)}
rows = sorted(rates.items(), key=lambda kv: -abs(kv[1]))
json.dump({'nodes': n, 'window': dt, 'rates': rates, 'gauges_end': {k: b[k] / n for k in b}}, open(out, 'w'))
print(f'{n} nodes, {dt:.0f} s')
for k, v in rows[:80]: print(f'{v:12.4f}  {k}')
