# Usage: python3 bench/results/idle-window-2026-12-06.py RUN.log...: from the testnet progress lines of the idle window,
# nodes >= 1 s behind (min/median/max), the worst event-loop delay, and the range of the max peers.
import re,sys,statistics
for f in sys.argv[1:]:
    lines=open(f).read().splitlines()
    inside=False; behind=[]; worst=[]; peers=[]
    for l in lines:
        if 'phase: idle' in l: inside=True; continue
        if 'phase: steady' in l: inside=False
        if inside and 'progress:' in l:
            m=re.search(r'behind max ([\d.]+) s \((\d+) nodes',l); p=re.search(r'peers min/median/max (\d+)/(\d+)/(\d+)',l)
            if m: worst.append(float(m.group(1))); behind.append(int(m.group(2)))
            if p: peers.append(tuple(map(int,p.groups())))
    if not behind: print(f,'no idle lines'); continue
    q=lambda xs:(min(xs),statistics.median(xs),max(xs))
    print(f, 'lines',len(behind),'nodes>=1s min/med/max',q(behind),'worst s',q(worst),'peers max range',min(p[2] for p in peers),max(p[2] for p in peers))
