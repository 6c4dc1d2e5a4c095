# every 10 s: epoch ms, variant, CPU ms of tokio threads and of all threads, summed over testnet host processes
import os, time, sys
hz = os.sysconf('SC_CLK_TCK'); out = open(sys.argv[1], 'a')
while True:
    tot = {}
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try: cmd = open(f'/proc/{p}/cmdline').read()
        except Exception: continue
        if 'host.js' not in cmd and 'child.js' not in cmd: continue
        v = 'before' if 'testnet-before' in cmd else 'after'
        try:
            for t in os.listdir(f'/proc/{p}/task'):
                comm = open(f'/proc/{p}/task/{t}/comm').read().strip()
                r = open(f'/proc/{p}/task/{t}/stat').read().rsplit(')', 1)[1].split()
                ms = (int(r[11]) + int(r[12])) * 1000 / hz
                k = (v, 'tokio' if comm.startswith('tokio') else 'other')
                tot[k] = tot.get(k, 0) + ms
        except Exception: pass
    out.write(f"{int(time.time()*1000)} " + ' '.join(f'{a}:{b}={c:.0f}' for (a, b), c in sorted(tot.items())) + '\n'); out.flush()
    time.sleep(10)
