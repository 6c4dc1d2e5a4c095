#!/usr/bin/env python3
"""Which parts of the `node` binary two processes hold resident, by ELF section and symbol family.

Usage (as root, both processes running): python3 node-binary-pages-2026-12-06.py <node binary> <pid A> <pid B>

For each process, reads /proc/<pid>/maps and /proc/<pid>/pagemap for the mappings of the binary and
keeps the file offsets of the resident pages; maps each to its section (readelf -S) and each 64-byte
slice of it to the symbol that holds it (nm -S -C), grouped into families (V8's compilers, its
WebAssembly engine, OpenSSL, ...). Prints A's and B's resident KB per (section, family) and B - A,
largest difference first. Made for the nineteenth session's profile of a lone lean node (B) against
a bare `node -e 'setTimeout(() => {}, 8000)'` (A): bench/README.md, "WebAssembly at import".
Resident file pages are counted whole: the kernel maps up to 64 KB around each page fault
(fault-around), so a family's figure is what touching it costs, not the bytes it reads.
"""
import bisect
import collections
import re
import struct
import subprocess
import sys

PAGE = 4096
FAMILIES = [
    ('v8::internal::compiler::turboshaft', 'turboshaft'), ('v8::internal::compiler', 'turbofan'),
    ('v8::internal::maglev', 'maglev'), ('v8::internal::wasm', 'wasm'),
    ('v8::internal::interpreter', 'interpreter'), ('v8::internal::', 'v8 other'), ('v8::', 'v8 api'),
    ('Builtins_', 'builtins (embedded)'), ('node::', 'node'), ('uv_', 'libuv'),
    ('icu_', 'icu'), ('ossl', 'openssl'), ('EVP_', 'openssl'), ('SSL', 'openssl'), ('BN_', 'openssl'),
    ('CRYPTO', 'openssl'), ('ada::', 'ada'), ('simdjson', 'simdjson'), ('simdutf', 'simdutf'),
    ('llhttp', 'llhttp'), ('ares_', 'c-ares'), ('std::', 'libstdc++'), ('absl', 'absl'),
]


def family(name):
    for prefix, fam in FAMILIES:
        if name.startswith(prefix):
            return fam
    return 'other'


def resident_offsets(pid, binary):
    offsets = set()
    with open(f'/proc/{pid}/pagemap', 'rb') as pagemap:
        for line in open(f'/proc/{pid}/maps'):
            fields = line.split()
            if len(fields) < 6 or fields[5] != binary:
                continue
            lo, hi = (int(x, 16) for x in fields[0].split('-'))
            file_offset = int(fields[2], 16)
            pagemap.seek(lo // PAGE * 8)
            entries = pagemap.read((hi - lo) // PAGE * 8)
            for i in range(len(entries) // 8):
                if struct.unpack_from('<Q', entries, i * 8)[0] >> 63:
                    offsets.add(file_offset + i * PAGE)
    return offsets


def main():
    binary, pid_a, pid_b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sections = []
    for line in subprocess.run(['readelf', '-SW', binary], capture_output=True, text=True).stdout.splitlines():
        line = line.strip()
        if not line.startswith('['):
            continue
        fields = line[line.index(']') + 1:].split()
        if len(fields) < 6 or fields[0] == 'Name':
            continue
        sections.append((int(fields[3], 16), int(fields[4], 16), fields[0], int(fields[2], 16)))
    symbols = []
    for line in subprocess.run(['nm', '-S', '-C', '--defined-only', binary], capture_output=True, text=True).stdout.splitlines():
        m = re.match(r'([0-9a-f]+) ([0-9a-f]+) \w (.*)', line)
        if m:
            symbols.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
    symbols.sort()
    starts = [s[0] for s in symbols]

    def tally(offsets):
        counts = collections.Counter()
        for offset in offsets:
            for start, size, name, vaddr in sections:
                if start <= offset < start + size:
                    address, section = vaddr + offset - start, name
                    break
            else:
                continue
            for a in range(address, address + PAGE, 64):
                i = bisect.bisect_right(starts, a) - 1
                fam = '(no symbol)'
                if i >= 0 and symbols[i][0] <= a < symbols[i][0] + max(symbols[i][1], 1):
                    fam = family(symbols[i][2])
                counts[(section, fam)] += 64
        return counts

    a, b = tally(resident_offsets(pid_a, binary)), tally(resident_offsets(pid_b, binary))
    print(f'{"section":10} {"family":22} {"A KB":>8} {"B KB":>8} {"B-A KB":>8}')
    for key in sorted(set(a) | set(b), key=lambda k: a[k] - b[k])[:30]:
        print(f'{key[0]:10} {key[1]:22} {a[key] / 1024:8.0f} {b[key] / 1024:8.0f} {(b[key] - a[key]) / 1024:8.0f}')
    print(f'total resident: A {sum(a.values()) / 2**20:.1f} MB, B {sum(b.values()) / 2**20:.1f} MB')


if __name__ == '__main__':
    main()
