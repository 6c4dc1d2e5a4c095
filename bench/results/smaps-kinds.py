#!/usr/bin/env python3
# A process's resident memory by kind, in MB, one "kind MB" per line (idle-ab-50-nodes-2026-12-04.sh):
# v8-pages: V8's heap pages (256 KiB mappings); malloc: glibc's main heap ([heap]) and its thread
# arenas (a 64 MiB-aligned reservation, read-write as far as it has grown); other-anon: the rest
# (V8's code and large objects, thread stacks); file: mapped files (the node binary, libraries).
import re
import sys

ARENA = 64 << 20
vmas = []
for line in open(f'/proc/{sys.argv[1]}/smaps'):
    m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$', line)
    if m:
        vmas.append({'start': int(m.group(1), 16), 'end': int(m.group(2), 16), 'perms': m.group(3),
                     'name': m.group(4), 'rss': 0})
    elif line.startswith('Rss:'):
        vmas[-1]['rss'] = int(line.split()[1])

kinds = {'v8-pages': 0, 'malloc': 0, 'other-anon': 0, 'file': 0}
for i, v in enumerate(vmas):
    size, anon = v['end'] - v['start'], v['name'] in ('', '[anon]')
    nxt = vmas[i + 1] if i + 1 < len(vmas) else None
    arena = anon and v['start'] % ARENA == 0 and (size == ARENA or (
        nxt is not None and nxt['start'] == v['end'] and nxt['perms'].startswith('---')
        and nxt['end'] - v['start'] == ARENA))
    if v['name'] == '[heap]' or arena:
        kinds['malloc'] += v['rss']
    elif anon and size == 256 << 10:
        kinds['v8-pages'] += v['rss']
    elif anon:
        kinds['other-anon'] += v['rss']
    elif not v['name'].startswith('['):
        kinds['file'] += v['rss']
for kind, kb in kinds.items():
    print(kind, round(kb / 1024, 1))
