# usage: resident-pages-2026-12-08.py PID BINARY — resident pages of BINARY's mappings in process PID (from /proc/PID/pagemap), by ELF section; thirty-fifth session
import sys, struct, subprocess, bisect, collections
pid = int(sys.argv[1]); path = sys.argv[2]
# sections
secs = []
for line in subprocess.run(['readelf','-S','-W',path],capture_output=True,text=True).stdout.splitlines():
    line=line.replace('[ ','[')
    p=line.split()
    if len(p)>6 and p[0].startswith('[') and p[0]!='[Nr]':
        try: name=p[1]; addr=int(p[3],16); size=int(p[5],16)
        except: continue
        if addr: secs.append((addr,addr+size,name))
# symbols
syms=[]
for line in subprocess.run(['nm','-S','--defined-only',path],capture_output=True,text=True).stdout.splitlines():
    p=line.split(maxsplit=3)
    if len(p)==4:
        try: syms.append((int(p[0],16),int(p[1],16),p[3]))
        except: pass
syms.sort(); starts=[s[0] for s in syms]
PAGE=4096
pm=open(f'/proc/{pid}/pagemap','rb')
res=collections.Counter(); symres=collections.Counter(); total=0
for line in open(f'/proc/{pid}/maps'):
    p=line.split()
    if len(p)<6 or p[5]!=path: continue
    a,b=[int(x,16) for x in p[0].split('-')]; off=int(p[2],16)
    # non-PIE executable: vaddr == mapping addr
    pm.seek(a//PAGE*8); data=pm.read((b-a)//PAGE*8)
    for i in range((b-a)//PAGE):
        e=struct.unpack_from('<Q',data,i*8)[0]
        if e>>63 & 1:
            va=a+i*PAGE; total+=PAGE
            sec=next((n for s,t,n in secs if s<=va<t),'?')
            res[sec]+=PAGE
            if sec in ('.rodata','.text'):
                j=bisect.bisect_right(starts,va)-1
                # attribute page to the symbol covering its start, else the symbol just before
                name=syms[j][2] if j>=0 else '?'
                if sec=='.rodata':
                    # group big rodata symbols
                    symres[('rodata',name if syms[j][1]>65536 else 'small')]+=PAGE
print('total MB', total/2**20)
for k,v in res.most_common(): print(f'{v/2**20:8.2f} {k}')
print('-- large rodata symbols')
for k,v in symres.most_common(15): print(f'{v/2**20:8.2f} {k}')
