#!/bin/bash
# Independent cross-check for the arm64 samples: writes CASE.expected.tsv for every CASE.log
# next to this script, using eu-addr2line (elfutils) on crashmod.ko, and compares every frame
# with llvm-symbolizer run on a copy of crashmod.ko linked at the runtime section addresses.
# Only crashmod frames get rows (no arm64 vmlinux with DWARF is used here).
# Usage: cross-check.sh [CASE...]      The comparison report goes to stderr.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${KSYM_WORK:-/root/ksym-work/arm64}/cross-check
mkdir -p "$WORK"
if [ $# -eq 0 ]; then
	set -- $(cd "$HERE" && ls *.log | sed 's/\.log$//')
fi
exec python3 - "$HERE" "$WORK" "$@" <<'PY'
import os, re, subprocess, sys

here, work, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
ko = os.path.join(here, 'crashmod.ko')
LD = 'aarch64-linux-gnu-ld'

def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

def report(msg):
    print(msg, file=sys.stderr)

def relfile(f):
    # DW_AT_name is crashmod/crashmod.c, tools may prepend DW_AT_comp_dir
    # (/usr/src/linux-headers-6.1.0-50-arm64/): keep from "crashmod/" on
    m = re.search(r'(?:^|/)(crashmod/[^/]+)$', f)
    return m.group(1) if m else f

# ---- crashmod.ko section sizes and disassembly (for the "is it a call" check)
ko_secsize, ko_alloc = {}, set()
for l in run('readelf', '-SW', ko).splitlines():
    m = re.match(r'\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([A-Za-z]*)', l)
    if m:
        ko_secsize[m.group(1)] = int(m.group(2), 16)
        if 'A' in m.group(3):
            ko_alloc.add(m.group(1))

def disasm(path):
    """{section: {offset: text}} from llvm-objdump -d"""
    out, sec = {}, None
    for l in run('llvm-objdump', '-d', '--no-show-raw-insn', path).splitlines():
        m = re.match(r'Disassembly of section (\S+):', l)
        if m:
            sec = m.group(1); out[sec] = {}; continue
        m = re.match(r'\s*([0-9a-f]+):\s+(.*)', l)
        if m and sec:
            out[sec][int(m.group(1), 16)] = m.group(2).strip()
    return out
ko_dis = disasm(ko)

def addr2line(path, addr, section):
    out = run('eu-addr2line', '-f', '-i', '-e', path, '-j', section, '0x%x' % addr).splitlines()
    locs = []
    for fn, loc in zip(out[0::2], out[1::2]):
        fn = fn.split(' inlined at ')[0].strip()
        m = re.match(r'(.*?):(\d+)(?::\d+)?$', loc)
        file, line = (m.group(1), m.group(2)) if m else (loc, '?')
        locs.append('%s@%s:%s' % (fn, relfile(file), line))
    return ' | '.join(locs)

TS = r'^\[\s*[0-9.]+\]\s'
REG_RE = re.compile(TS + r'(pc|lr) : (\S+)\+0x([0-9a-f]+)/0x([0-9a-f]+)( \[(\w+)\])?\s*$')
CT_RE = re.compile(TS + r'Call trace:\s*$')
TRACE_RE = re.compile(TS + r'\s((\? )?(\S+)\+0x([0-9a-f]+)/0x([0-9a-f]+)( \[(\w+)\])?)\s*$')

for case in cases:
    base = os.path.join(here, case)
    ksyms, rt_stext = {}, None
    for l in open(base + '.kallsyms'):
        p = l.split()
        if len(p) == 4 and p[3] == '[crashmod]':
            ksyms[p[2]] = int(p[0], 16)
        elif len(p) == 3 and p[2] == '_stext':
            rt_stext = int(p[0], 16)
    secs = {}
    for l in open(base + '.sections'):
        name, addr = l.strip().rsplit(':', 1)
        secs[os.path.basename(name)] = int(addr, 16)
    # scratch copy of crashmod.ko linked at the runtime section addresses, for llvm-symbolizer
    moved = os.path.join(work, case + '.crashmod-linked.elf')
    script = os.path.join(work, case + '.crashmod-linked.ld')
    with open(script, 'w') as f:
        f.write('SECTIONS {\n')
        for s_, a in sorted(secs.items(), key=lambda x: x[1]):
            if s_ in ko_alloc:
                f.write('  %s 0x%x : { *(%s) }\n' % (s_, a, s_))
        f.write('}\n')
    have_moved = subprocess.run([LD, '-o', moved, '-T', script, '-e', '0', '--unresolved-symbols=ignore-all',
                                 '--noinhibit-exec', ko], capture_output=True).returncode == 0

    rows = []
    lines = open(base + '.log', 'rb').read().decode('utf-8', 'replace').split('\n')
    last_pc, in_trace, first_entry = None, False, False
    for i, raw in enumerate(lines, 1):
        l = raw.rstrip('\r')
        if CT_RE.match(l):
            in_trace, first_entry = True, True
            continue
        m = REG_RE.match(l)
        if m:
            kind, sym, off, size, mod = m.group(1), m.group(2), int(m.group(3), 16), int(m.group(4), 16), m.group(6)
            printed = l[l.index(kind + ' : ') + 5:].strip()
            if kind == 'pc':
                last_pc = printed
            in_trace = False
        else:
            m = TRACE_RE.match(l) if in_trace else None
            if not m:
                if in_trace and not first_entry:
                    in_trace = False      # end of the call trace
                continue
            printed = m.group(1)
            sym, off, size, mod = m.group(3), int(m.group(4), 16), int(m.group(5), 16), m.group(7)
            # the unwinder starts at regs->pc: the first entry repeats the pc line
            kind = 'pc' if first_entry and printed == last_pc else 'return'
            first_entry = False
        if mod != 'crashmod':
            continue
        address = ksyms[sym] + off
        lookup = address if kind == 'pc' else address - 4    # A64 instructions are 4 bytes
        cont = [(a, s) for s, a in secs.items() if a <= lookup < a + ko_secsize.get(s, 0)]
        if len(cont) != 1:
            report('%s:%d: no unique section for 0x%x' % (case, i, lookup)); continue
        sbase, sname = cont[0]
        soff = lookup - sbase
        section_offset = '%s+0x%x' % (sname, soff)
        locations = addr2line(ko, soff, sname)
        report('%s:%d %s %s: eu-addr2line: %s' % (case, i, kind, printed, locations))
        if have_moved:
            ls = run('llvm-symbolizer', '--inlining', '--functions=linkage', '--obj=' + moved, '0x%x' % lookup)
            ll = [x for x in ls.splitlines() if x.strip()]
            lsyms = []
            for fn, loc in zip(ll[0::2], ll[1::2]):
                mm = re.match(r'(.*?):(\d+)(?::\d+)?$', loc)
                lsyms.append('%s@%s:%s' % (fn, relfile(mm.group(1) if mm else loc), mm.group(2) if mm else '?'))
            lstr = ' | '.join(lsyms)
            norm = lambda s: re.sub(r'\.(isra|constprop|cold|part)\.?\d*', '', s)
            verdict = 'agree' if norm(lstr) == norm(locations) else 'DIFFER'
            report('%s:%d %s   llvm-symbolizer(linked .ko @0x%x): %s  [%s]' % (case, i, ' ' * len(kind), lookup, lstr, verdict))
        if kind != 'pc':
            insn = ko_dis.get(sname, {}).get(soff)
            ok = insn is not None and re.match(r'blr?\s', insn + ' ')
            report('%s:%d   instruction at the lookup address (return address - 4): %s%s' % (
                case, i, insn or 'none', '' if ok else '   <-- NOT A CALL'))
        rows.append((i, kind, 'crashmod', printed, '0x%x' % address, '0x%x' % lookup, section_offset, locations))
    with open(base + '.expected.tsv', 'w') as f:
        f.write('#line\tkind\tmodule\tprinted\taddress\tlookup\tsection_offset\tlocations\n')
        for r in rows:
            f.write('\t'.join(str(x) for x in r) + '\n')
    report('%s: %d rows (runtime _stext 0x%x)' % (case, len(rows), rt_stext or 0))
PY
