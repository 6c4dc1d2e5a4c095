#!/usr/bin/env python3
# Prints the cores used by thread name (WorkerThread = the nodes' JS, tokio-rt-worker = the QUIC runtime, V8Worker =
# V8's GC and compiler helpers) over 90 s of the idle phase and 100 s of the steady phase. Run it beside the testnet.
# CPU by thread name of the testnet's host processes between two moments: per phase of a run.
# usage: thread-cpu-2026-12-06.py LOG  (waits for the idle phase and the steady phase of the testnet log)
import os, re, sys, time, collections
log = sys.argv[1]
tick = os.sysconf('SC_CLK_TCK')
def hosts():
    out = []
    for p in os.listdir('/proc'):
        if p.isdigit():
            try:
                cmd = open(f'/proc/{p}/cmdline','rb').read().replace(b'\0',b' ').decode()
            except Exception: continue
            if 'testnet/dist/host.js' in cmd or 'testnet/dist/cli.js' in cmd: out.append(int(p))
    return out
def snap():
    by = collections.Counter()
    for pid in hosts():
        try: tids = os.listdir(f'/proc/{pid}/task')
        except Exception: continue
        for t in tids:
            try:
                s = open(f'/proc/{pid}/task/{t}/stat').read()
                comm = s[s.index('(')+1:s.rindex(')')]
                f = s[s.rindex(')')+2:].split()
                cpu = (int(f[11]) + int(f[12])) / tick
            except Exception: continue
            name = re.sub(r'\d+$', '#', comm)
            by[(pid, t, name)] = cpu
    return by
def wait_for(pat):
    while True:
        try:
            if re.search(pat, open(log).read()): return
        except FileNotFoundError: pass
        time.sleep(0.5)
def window(label, start_pat, secs):
    wait_for(start_pat); time.sleep(5)
    a = snap(); t0 = time.time(); time.sleep(secs); b = snap(); dt = time.time() - t0
    agg = collections.Counter()
    for k, v in b.items(): agg[k[2]] += v - a.get(k, 0)
    tot = sum(agg.values())
    print(f'== {label}: {dt:.0f} s, {tot/dt:.2f} cores')
    for name, v in agg.most_common(12): print(f'  {v/dt:6.3f} cores  {100*v/tot:5.1f}%  {name}')
    sys.stdout.flush()
window('idle', r'phase: idle', 90)
window('steady', r'phase: steady \(publishing', 100)
