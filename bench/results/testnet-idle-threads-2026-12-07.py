# usage: testnet-idle-threads-2026-12-07.py PID OUT — every 5 s: epoch ms, and per process of the tree its CPU ms by thread name (/proc schedstat)
# and its resident memory in kB ('rss', from /proc/<pid>/status; thirty-first session), one JSON line
import os, sys, time, json
root = int(sys.argv[1]); out = open(sys.argv[2], 'w'); hz = os.sysconf('SC_CLK_TCK')
def desc():
    kids = {}
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            r = open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split(); kids.setdefault(int(r[1]), []).append(int(p))
        except Exception: pass
    res = [root]; st = [root]
    while st:
        for c in kids.get(st.pop(), []): res.append(c); st.append(c)
    return res
while os.path.exists(f'/proc/{root}'):
    rec = {'t': int(time.time() * 1000), 'p': {}}
    for p in desc():
        try:
            th = {}
            for t in os.listdir(f'/proc/{p}/task'):
                comm = open(f'/proc/{p}/task/{t}/comm').read().strip()
                ns = int(open(f'/proc/{p}/task/{t}/schedstat').read().split()[0])
                th[comm] = th.get(comm, 0) + ns / 1e6
            cmd = open(f'/proc/{p}/cmdline').read().replace('\0', ' ')[:120]
            rss = next((int(l.split()[1]) for l in open(f'/proc/{p}/status') if l.startswith('VmRSS:')), 0)
            rec['p'][p] = {'cmd': cmd, 'th': th, 'rss': rss}
        except Exception: pass
    out.write(json.dumps(rec) + '\n'); out.flush(); time.sleep(5)
