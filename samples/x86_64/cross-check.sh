#!/bin/bash
# Independent cross-check for the x86-64 samples: writes CASE.expected.tsv for every CASE.log
# next to this script, using eu-addr2line (elfutils) on crashmod.ko and on Debian's debug
# vmlinux (fetched by fetch-vmlinux.sh), and compares crashmod frames with llvm-symbolizer
# run on a copy of crashmod.ko whose sections were moved to their runtime addresses.
# Usage: cross-check.sh [CASE...]      The comparison report goes to stderr.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${KSYM_WORK:-/root/ksym-work/x86_64}/cross-check
mkdir -p "$WORK"
VMLINUX=$("$HERE/fetch-vmlinux.sh")
if [ ! -s "$WORK/vmlinux.nm" ] || [ "$VMLINUX" -nt "$WORK/vmlinux.nm" ]; then
	nm -S "$VMLINUX" > "$WORK/vmlinux.nm.tmp" && mv "$WORK/vmlinux.nm.tmp" "$WORK/vmlinux.nm"
fi
if [ $# -eq 0 ]; then
	set -- $(cd "$HERE" && ls *.log | sed 's/\.log$//')
fi
exec python3 - "$HERE" "$WORK" "$VMLINUX" "$@" <<'PY'
import os, re, subprocess, sys

here, work, vmlinux, cases = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
ko = os.path.join(here, 'crashmod.ko')
# DW_AT_comp_dir of crashmod.ko (make-sample.sh maps the unpack dir away, so it reads like an
# installed linux-headers package); paths below it are written relative, i.e. as DW_AT_name has them
KO_COMP_DIR = '/usr/src/linux-headers-6.1.0-50-amd64/'

def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

def report(msg):
    print(msg, file=sys.stderr)

# ---- vmlinux symbol table: name -> [(addr, size)]
vsyms = {}
with open(os.path.join(work, 'vmlinux.nm')) as f:
    for l in f:
        p = l.split()
        if len(p) == 4 and p[2] in 'tTwW':      # text symbols only
            vsyms.setdefault(p[3], []).append((int(p[0], 16), int(p[1], 16)))
        elif len(p) == 3 and p[1] in 'tTwW':
            vsyms.setdefault(p[2], []).append((int(p[0], 16), None))
V_TEXT = vsyms['_text'][0][0]

# ---- crashmod.ko section sizes and disassembly (for the "is it a call" check)
ko_secsize, ko_alloc = {}, set()
for l in run('readelf', '-SW', ko).splitlines():
    m = re.match(r'\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([A-Za-z]*)', l)
    if m:
        ko_secsize[m.group(1)] = int(m.group(2), 16)
        if 'A' in m.group(3):
            ko_alloc.add(m.group(1))

def disasm(path, extra=()):
    """{section: [(offset, text)]} from llvm-objdump -d"""
    out, sec = {}, None
    for l in run('llvm-objdump', '-d', '--no-show-raw-insn', *extra, path).splitlines():
        m = re.match(r'Disassembly of section (\S+):', l)
        if m:
            sec = m.group(1); out[sec] = []; continue
        m = re.match(r'\s*([0-9a-f]+):\s+(.*)', l)
        if m and sec:
            out[sec].append((int(m.group(1), 16), m.group(2).strip()))
    return out
ko_dis = disasm(ko)

def insn_before(insns, end):
    """the instruction that ends exactly at `end`, or None"""
    prev = None
    for off, txt in insns:
        if off >= end:
            return prev if off == end else None
        prev = (off, txt)
    return prev

def addr2line(path, addr, section=None):
    cmd = ['eu-addr2line', '-f', '-i', '-e', path]
    if section:
        cmd += ['-j', section]
    out = run(*cmd, '0x%x' % addr).splitlines()
    locs = []
    for fn, loc in zip(out[0::2], out[1::2]):
        fn = fn.split(' inlined at ')[0].strip()
        m = re.match(r'(.*?):(\d+)(?::\d+)?$', loc)
        file, line = (m.group(1), m.group(2)) if m else (loc, '?')
        if file.startswith(KO_COMP_DIR):
            file = file[len(KO_COMP_DIR):]
        locs.append('%s@%s:%s' % (fn, file, line))
    return ' | '.join(locs)

RIP_RE = re.compile(r'^\[\s*[0-9.]+\]\s+RIP: [0-9a-f]{4}:(\S+)\+0x([0-9a-f]+)/0x([0-9a-f]+)( \[(\w+)\])?\s*$')
TRACE_RE = re.compile(r'^\[\s*[0-9.]+\]\s+((\? )?(\S+)\+0x([0-9a-f]+)/0x([0-9a-f]+)( \[(\w+)\])?)\s*$')

for case in cases:
    base = os.path.join(here, case)
    # runtime symbols of crashmod and _text
    ksyms, rt_text = {}, None
    for l in open(base + '.kallsyms'):
        p = l.split()
        if len(p) >= 3:
            if len(p) == 4 and p[3] == '[crashmod]':
                ksyms[p[2]] = int(p[0], 16)
            elif p[2] == '_text':
                rt_text = int(p[0], 16)
    kaslr = rt_text - V_TEXT
    secs = {}
    for l in open(base + '.sections'):
        name, addr = l.strip().rsplit(':', 1)
        secs[os.path.basename(name)] = int(addr, 16)
    # scratch copy of crashmod.ko linked at the runtime section addresses, for llvm-symbolizer.
    # (objcopy --change-section-address alone is not enough: llvm-symbolizer then finds the
    # symbols but no line table, as the DWARF relocations are not re-applied.)  A linker
    # script that places every allocated section at its runtime address does it; kernel
    # symbols stay unresolved (harmless for symbolizing).
    moved = os.path.join(work, case + '.crashmod-linked.elf')
    script = os.path.join(work, case + '.crashmod-linked.ld')
    with open(script, 'w') as f:
        f.write('SECTIONS {\n')
        for s_, a in sorted(secs.items(), key=lambda x: x[1]):
            if s_ in ko_alloc:
                f.write('  %s 0x%x : { *(%s) }\n' % (s_, a, s_))
        f.write('}\n')
    subprocess.run(['ld', '-o', moved, '-T', script, '-e', '0', '--unresolved-symbols=ignore-all',
                    '--noinhibit-exec', ko], check=True, capture_output=True)

    rows = []
    lines = open(base + '.log', 'rb').read().decode('utf-8', 'replace').split('\n')
    for i, raw in enumerate(lines, 1):
        l = raw.rstrip('\r')
        m = RIP_RE.match(l)
        if m:
            kind, sym, off, size, mod = 'pc', m.group(1), int(m.group(2), 16), int(m.group(3), 16), m.group(5)
            printed = l[l.index('RIP: ') + 10:].strip()
            unreliable = False
        else:
            m = TRACE_RE.match(l)
            if not m:
                continue
            kind, printed = 'return', m.group(1)
            unreliable = bool(m.group(2))
            sym, off, size, mod = m.group(3), int(m.group(4), 16), int(m.group(5), 16), m.group(7)
        if mod and mod != 'crashmod':
            report('%s:%d: frame in module %s skipped' % (case, i, mod)); continue
        module = mod or 'vmlinux'
        if module == 'crashmod':
            address = ksyms[sym] + off
        else:
            # the printed size is the distance to the next symbol (padding included); nm's is st_size
            cands = [a for a, s in vsyms.get(sym, []) if s is None or s <= size <= s + 64]
            if len(cands) != 1:
                report('%s:%d: %s: %d candidates in vmlinux, skipped' % (case, i, sym, len(cands))); continue
            address = cands[0] + off + kaslr
        lookup = address - 1 if kind == 'return' else address
        if module == 'crashmod':
            cont = [(a, s) for s, a in secs.items() if a <= lookup < a + ko_secsize.get(s, 0)]
            if len(cont) != 1:
                report('%s:%d: no unique section for 0x%x' % (case, i, lookup)); continue
            sbase, sname = cont[0]
            soff = lookup - sbase
            section_offset = '%s+0x%x' % (sname, soff)
            locations = addr2line(ko, soff, sname)
            # llvm-symbolizer on the moved copy, at the runtime address
            ls = run('llvm-symbolizer', '--inlining', '--functions=linkage', '--obj=' + moved, '0x%x' % lookup)
            ll = [x for x in ls.splitlines() if x.strip()]
            lsyms = []
            for fn, loc in zip(ll[0::2], ll[1::2]):
                mm = re.match(r'(.*?):(\d+)(?::\d+)?$', loc)
                f_ = mm.group(1) if mm else loc
                if f_.startswith(KO_COMP_DIR):
                    f_ = f_[len(KO_COMP_DIR):]
                lsyms.append('%s@%s:%s' % (fn, f_, mm.group(2) if mm else '?'))
            lstr = ' | '.join(lsyms)
            # llvm-symbolizer names the outermost frame by its linkage name (crash_x.isra.0);
            # eu-addr2line by DW_AT_name: compare with the clone suffix dropped
            norm = lambda s: re.sub(r'\.(isra|constprop|cold|part)\.?\d*', '', s)
            verdict = 'agree' if norm(lstr) == norm(locations) else 'DIFFER'
            report('%s:%d %s %s: eu-addr2line: %s' % (case, i, kind, printed, locations))
            report('%s:%d %s   llvm-symbolizer(moved .ko @0x%x): %s  [%s]' % (case, i, ' ' * len(kind), lookup, lstr, verdict))
            if kind == 'return':
                prev = insn_before(ko_dis.get(sname, []), soff + 1)
                what = prev[1] if prev else 'no instruction ends there'
                report('%s:%d   instruction before the return address: %s%s' % (
                    case, i, what, '' if prev and prev[1].startswith('call') else '   <-- NOT A CALL'))
        else:
            link = lookup - kaslr
            section_offset = '0x%x' % link
            locations = addr2line(vmlinux, link)
            if kind == 'return':
                fstart = link - off + 1
                d = disasm(vmlinux, ('--start-address=0x%x' % fstart, '--stop-address=0x%x' % (link + 1)))
                insns = [x for v in d.values() for x in v]
                prev = insns[-1] if insns else None
                ok = prev and prev[1].startswith('call')
                if not ok:
                    report('%s:%d %s: instruction before 0x%x is not a call: %s' % (
                        case, i, printed, link + 1, prev[1] if prev else '-'))
        rows.append((i, kind, module, printed, '0x%x' % address, '0x%x' % lookup, section_offset, locations))
    with open(base + '.expected.tsv', 'w') as f:
        f.write('#line\tkind\tmodule\tprinted\taddress\tlookup\tsection_offset\tlocations\n')
        for r in rows:
            f.write('\t'.join(str(x) for x in r) + '\n')
    report('%s: %d rows, KASLR offset 0x%x (runtime _text 0x%x)' % (case, len(rows), kaslr, rt_text))
PY
