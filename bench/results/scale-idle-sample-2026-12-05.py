# usage: sample.py PID OUT — every 2 s: epoch ms, CPU ms (utime+stime) of PID and its descendants
import os, sys, time
root = int(sys.argv[1]); out = open(sys.argv[2], 'w'); hz = os.sysconf('SC_CLK_TCK')
def tree():
    kids = {}
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            s = open(f'/proc/{p}/stat').read(); r = s.rsplit(')', 1)[1].split()
            kids.setdefault(int(r[1]), []).append((int(p), int(r[11]) + int(r[12])))
        except Exception: pass
    tot = 0; stack = [root]
    try:
        s = open(f'/proc/{root}/stat').read(); r = s.rsplit(')', 1)[1].split(); tot += int(r[11]) + int(r[12])
    except Exception: return None
    while stack:
        for (c, t) in kids.get(stack.pop(), []): tot += t; stack.append(c)
    return tot * 1000 / hz
while True:
    t = tree()
    if t is None: break
    out.write(f'{int(time.time()*1000)} {t}\n'); out.flush(); time.sleep(2)
