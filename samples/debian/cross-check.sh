#!/bin/bash
# Independent expected symbolizations for the Debian-kernel samples: writes CASE.expected.tsv
# for every CASE.log of samples/$SAMPLE (see arch.sh), one row per frame line of the oops /
# warning reports, vmlinux frames included:
#   * crashmod frames: address from CASE.kallsyms, eu-addr2line -f -i -e crashmod.ko -j SECTION 0xOFF
#     (KO_DWARF=linked, mips64el: eu-addr2line on the copy linked at the runtime addresses, below,
#     as elfutils 0.188 does not apply MIPS64 ET_REL relocations to the DWARF);
#   * vmlinux frames: Debian's -dbg vmlinux (../fetch-vmlinux.sh), symbol value + offset + KASLR
#     offset (runtime $KASLR_SYM from CASE.kallsyms - the vmlinux's), eu-addr2line -f -i -e vmlinux LINKADDR.
# Every row is then asked of a second tool, llvm-symbolizer --inlining: on vmlinux directly (link
# address), for crashmod on a copy of crashmod.ko linked at the boot's runtime section addresses
# (cross ld -T). For every lr/return row the instruction at the lookup address is disassembled
# (llvm-objdump) and checked to be a call. Where the kernel prints the raw address of a frame too
# (ppc64el, s390x, mips64el: regex group "a" in arch.sh), it is checked to equal the address
# computed from kallsyms/the vmlinux.  The report goes to stderr, ending in a summary.
#
# Usage: cross-check.sh DEBIAN-ARCH [CASE...]      (default: every CASE.log in samples/$SAMPLE)
# Env:   KSYM_MODULE=crashleaf checks samples/leaf/$SAMPLE and crashleaf.ko instead (arch.sh's module_config);
#        "crashmod" above is then that module.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SAMPLES=$(cd "$HERE/.." && pwd)
. "$HERE/arch.sh"
arch_config "${1:?usage: cross-check.sh DEBIAN-ARCH [CASE...]}"
shift
module_config "${KSYM_MODULE:-crashmod}"
OUTDIR=$SAMPLES/$MOD_SAMPLE
WORK=${KSYM_WORK:-/root/ksym-work}/$SAMPLE/cross-check
mkdir -p "$WORK"
VMLINUX=$("$SAMPLES/fetch-vmlinux.sh" "$DEBIAN_ARCH")
if [ ! -s "$WORK/vmlinux.nm" ] || [ "$VMLINUX" -nt "$WORK/vmlinux.nm" ]; then
	nm -S "$VMLINUX" > "$WORK/vmlinux.nm.tmp" && mv "$WORK/vmlinux.nm.tmp" "$WORK/vmlinux.nm"
fi
if [ $# -eq 0 ]; then
	set -- $(cd "$OUTDIR" && ls *.log | sed 's/\.log$//')
fi
exec python3 - "$OUTDIR" "$WORK" "$VMLINUX" "$@" <<'PY'
import bisect, os, re, subprocess, sys

here, work, vmlinux, cases = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
E = os.environ
MODULE = E['MODULE']
ko = os.path.join(here, MODULE + '.ko')
KO_COMP_DIR = E['KO_COMP_DIR']
STYLE, RETURN, LD = E['STYLE'], E['RETURN'], E['LD']
CALL_RE = re.compile(E['CALL_RE'])
PC_RE = re.compile(E['PC_RE'])
LR_RE = re.compile(E['LR_RE']) if E['LR_RE'] else None
TRACE_RE = re.compile(E['TRACE_RE'])
TRACE_START = re.compile(E['TRACE_START']) if E['TRACE_START'] else None
# s390: "Last Breaking-Event-Address:" is followed by one " [<a>] SYM+off/size" line, the address of
# the last taken branch (an exact instruction address: kind pc)
BREAK_START = re.compile(E['BREAK_START']) if E.get('BREAK_START') else None
KO_DWARF = E.get('KO_DWARF') or 'section'
LINK_EXTRA = E.get('LINK_EXTRA', '').split()
# linkage (default): the outermost name from the ELF symbol table (clone suffixes); short: DWARF
# names only (ppc64el: LLVM 14 takes a wrong symbol there, "_end" / ".TOC.", for every address)
LLVM_FUNCTIONS = E.get('LLVM_FUNCTIONS') or 'linkage'
EXC_ENTRY = re.compile(E['EXC_ENTRY']) if E['EXC_ENTRY'] else None
TS = re.compile(r'^\[\s*[0-9]+\.[0-9]+\] ')
FRAME = re.compile(r'^(\? )?(\S+)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\w+)\])?$')

def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

def report(msg):
    print(msg, file=sys.stderr)

def lookup_of(kind, address):
    if kind == 'pc':
        return address
    if RETURN == 'minus1':
        return address - 1
    if RETURN == 'minus4':
        return address - 4
    if RETURN == 'minus2':
        return address - 2
    if RETURN == 'minus8':
        return address - 8
    if RETURN == 'arm':
        return (address & ~1) - 1
    raise SystemExit('unknown RETURN rule ' + RETURN)

# ---- vmlinux symbol table: name -> [(addr, size)]; all addresses for the "next symbol" rule
vsyms, vaddrs = {}, set()
with open(os.path.join(work, 'vmlinux.nm')) as f:
    for l in f:
        p = l.split()
        if len(p) == 4:
            a, s, t, n = int(p[0], 16), int(p[1], 16), p[2], p[3]
        elif len(p) == 3:
            a, s, t, n = int(p[0], 16), None, p[1], p[2]
        else:
            continue
        if n.startswith('$') or n.startswith('.L'):
            continue            # ARM/AArch64 mapping symbols, local labels
        if t in 'tTwW':         # text symbols only
            vsyms.setdefault(n, []).append((a, s))
            vaddrs.add(a)
vaddrs = sorted(vaddrs)
V_KASLR_SYM = vsyms[E['KASLR_SYM']][0][0]

def next_sym_distance(a):
    i = bisect.bisect_right(vaddrs, a)
    return vaddrs[i] - a if i < len(vaddrs) else None

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

def insn_at(insns, addr):
    """the instruction that contains addr (the last one starting at or before it), or None"""
    prev = None
    for off, txt in insns:
        if off > addr:
            break
        prev = (off, txt)
    return prev

_vdis = {}
def vmlinux_insn(start, addr):
    key = (start, addr)
    if key not in _vdis:
        d = disasm(vmlinux, ('--start-address=0x%x' % start, '--stop-address=0x%x' % (addr + 4)))
        _vdis[key] = insn_at([x for v in d.values() for x in v], addr)
    return _vdis[key]

def fmt_locs(out_lines, strip_inlined=True):
    locs = []
    for fn, loc in zip(out_lines[0::2], out_lines[1::2]):
        fn = fn.split(' inlined at ')[0].strip()
        m = re.match(r'(.*?):(\d+)(?::\d+)?$', loc)
        file, line = (m.group(1), m.group(2)) if m else (loc, '?')
        if file.startswith(KO_COMP_DIR):
            file = file[len(KO_COMP_DIR):]
        locs.append('%s@%s:%s' % (fn, file, line))
    return ' | '.join(locs)

def addr2line(path, addr, section=None):
    cmd = ['eu-addr2line', '-f', '-i', '-e', path]
    if section:
        cmd += ['-j', section]
    return fmt_locs(run(*cmd, '0x%x' % addr).splitlines())

def llvm_symbolize(path, addr, functions=None):
    out = run('llvm-symbolizer', '--inlining', '--functions=' + (functions or LLVM_FUNCTIONS), '--obj=' + path, '0x%x' % addr)
    return fmt_locs([x for x in out.splitlines() if x.strip()])

def norm(s):
    # llvm-symbolizer names the outermost frame by its linkage name (crash_x.isra.0);
    # eu-addr2line by DW_AT_name: compare with the clone suffix dropped, and file names by
    # suffix (llvm-symbolizer may join DW_AT_comp_dir where eu-addr2line does not)
    out = []
    for part in s.split(' | '):
        fn, _, fl = part.partition('@')
        fn = re.sub(r'\.(isra|constprop|cold|part|lto_priv)\.?\d*', '', fn)
        file, _, line = fl.rpartition(':')
        out.append((fn, re.sub(r'^(\./)+', '', file), line))
    return out

def same(a, b):
    na, nb = norm(a), norm(b)
    return len(na) == len(nb) and all(
        x[0] == y[0] and x[2] == y[2] and (x[1].endswith(y[1]) or y[1].endswith(x[1]))
        for x, y in zip(na, nb))

total = {MODULE: [0, 0], 'vmlinux': [0, 0], 'raw': [0, 0]}   # rows, agreeing rows; raw: equal, different
differ, noncall, rawbad, etrel_only = [], [], [], []

for case in cases:
    base = os.path.join(here, case)
    ksyms, rt_kaslr = {}, None
    for l in open(base + '.kallsyms'):
        p = l.split()
        if len(p) == 4 and p[3] == '[%s]' % MODULE:
            ksyms[p[2]] = int(p[0], 16)
        elif len(p) == 3 and p[2] == E['KASLR_SYM']:
            rt_kaslr = int(p[0], 16)
    kaslr = rt_kaslr - V_KASLR_SYM
    secs = {}
    for l in open(base + '.sections'):
        name, addr = l.strip().rsplit(':', 1)
        secs[os.path.basename(name)] = int(addr, 16)
    # scratch copy of crashmod.ko linked at the runtime section addresses, for llvm-symbolizer
    # (objcopy --change-section-address alone is not enough: LLVM 14 then finds the symbols but
    # no line table, as the DWARF relocations of the ET_REL are not re-applied)
    moved = os.path.join(work, '%s.%s-linked.elf' % (case, MODULE))
    script = os.path.join(work, '%s.%s-linked.ld' % (case, MODULE))
    with open(script, 'w') as f:
        f.write('SECTIONS {\n')
        for s_, a in sorted(secs.items(), key=lambda x: x[1]):
            if s_ in ko_alloc:
                f.write('  %s 0x%x : { *(%s) }\n' % (s_, a, s_))
        f.write('}\n')
    subprocess.run([LD, *LINK_EXTRA, '-o', moved, '-T', script, '-e', '0', '--unresolved-symbols=ignore-all',
                    '--noinhibit-exec', ko], check=True, capture_output=True)

    rows = []
    lines = open(base + '.log', 'rb').read().decode('utf-8', 'replace').split('\n')
    in_trace, first_entry, last_pc, after_exc, in_break = TRACE_START is None, False, None, False, False
    for i, raw in enumerate(lines, 1):
        l = raw.rstrip('\r')
        m = TS.match(l)
        if not m:
            if TRACE_START is not None:
                in_trace = False
            continue
        rest = l[m.end():]
        kind = None
        if TRACE_START is not None and TRACE_START.match(rest):
            in_trace, first_entry, after_exc, in_break = True, True, False, False
            continue
        if BREAK_START is not None and BREAK_START.match(rest):
            in_break, in_trace = True, False
            continue
        raw_addr = None     # the raw address the kernel printed with the frame, if any
        m = PC_RE.match(rest)
        if m:
            kind, printed = 'pc', m.group('f')
            last_pc = printed
        elif LR_RE and LR_RE.match(rest):
            m = LR_RE.match(rest)
            kind, printed = 'lr', m.group('f')
        if kind:
            raw_addr = m.groupdict().get('a')
            if TRACE_START is not None:
                in_trace = False
            in_break = False
        else:
            m = TRACE_RE.match(rest) if (in_trace or in_break) else None
            if not m:
                if TRACE_START is not None and in_trace and not first_entry:
                    in_trace = False      # end of the call trace
                in_break = False
                continue
            g = m.groupdict()
            raw_addr = g.get('a')
            printed = g.get('f') or g.get('i')
            if in_break:
                kind, in_break = 'pc', False
            elif STYLE == 'ppc':
                # "--- interrupt: N at SYM": the interrupted PC; every "[sp] [a] SYM" entry, the
                # "(unreliable)" ones (a stale LR save slot, the first entry and the first after an
                # interrupt) included, is a saved LR: a return address
                kind = 'pc' if g.get('i') else 'return'
                if g.get('u'):
                    printed += g['u']
            elif STYLE == 's390':
                # the unwinder starts at regs->psw.addr (the first entry repeats the PSW line); the
                # entry after an interrupt handler (no back chain: pt_regs) is the interrupted PSW
                # address; a parenthesised entry is the saved %r14 of the interrupted frame
                paren = bool(g.get('p'))
                kind = 'pc' if not paren and ((first_entry and printed == last_pc) or after_exc) else 'return'
                fm = FRAME.match(printed)
                after_exc = bool(EXC_ENTRY and fm and EXC_ENTRY.match(fm.group(2)))
                if paren:
                    printed = '(' + printed + ')'
            elif STYLE == 'mips':
                # the first entry is regs->cp0_epc (an oops) or show_stack's own PC (a WARN,
                # dump_stack: prepare_frametrace), both exact; the entry after handle_int (the
                # last frame on the IRQ stack) is the interrupted task's cp0_epc
                kind = 'pc' if first_entry or after_exc else 'return'
                fm = FRAME.match(printed)
                after_exc = bool(EXC_ENTRY and fm and EXC_ENTRY.match(fm.group(2)))
            elif STYLE == 'arm':
                # " WHERE from FROM": FROM is the return address into WHERE's caller, or, when
                # WHERE is an exception entry (__irq_svc …), the interrupted PC
                where = m.group('w')
                kind = 'pc' if EXC_ENTRY and EXC_ENTRY.match(where) else 'return'
            elif STYLE == 'arm64':
                # the unwinder starts at regs->pc: the first entry repeats the pc line; the entry
                # after an exception entry (el1h_64_irq …) is the interrupted PC
                kind = 'pc' if (first_entry and printed == last_pc) or after_exc else 'return'
                fm = FRAME.match(printed)
                after_exc = bool(EXC_ENTRY and fm and EXC_ENTRY.match(fm.group(2)))
            else:
                kind = 'return'
            first_entry = False
        # the frame text without the reliability markers "(…)" (s390) and " (unreliable)" (ppc)
        ftext = re.sub(r' \(unreliable\)$', '', printed)
        if ftext.startswith('(') and ftext.endswith(')'):
            ftext = ftext[1:-1]
        fm = FRAME.match(ftext)
        if not fm:
            report('%s:%d: cannot parse frame %r' % (case, i, printed)); continue
        sym, off, size, mod = fm.group(2), int(fm.group(3), 16), int(fm.group(4), 16), fm.group(5)
        if mod and mod != MODULE:
            report('%s:%d: frame in module %s skipped' % (case, i, mod)); continue
        module = mod or 'vmlinux'
        if module == MODULE:
            address = ksyms[sym] + off
        else:
            # the printed size is the distance to the next symbol (padding included); nm's is st_size
            allc = vsyms.get(sym, [])
            cands = [a for a, s in allc if s is None or s <= size <= s + 64]
            if len(cands) != 1:
                # kallsyms' own rule: size = distance to the next symbol
                c2 = [a for a, s in allc if next_sym_distance(a) == size]
                report('%s:%d: %s: %d candidates by st_size, %d by next-symbol distance' % (
                    case, i, sym, len(cands), len(c2)))
                cands = c2
            if len(cands) != 1:
                report('%s:%d: %s: %d candidates in vmlinux, skipped' % (case, i, sym, len(cands))); continue
            vstart = cands[0]
            address = vstart + off + kaslr
        if raw_addr is not None:
            if int(raw_addr, 16) == address:
                total['raw'][0] += 1
            else:
                total['raw'][1] += 1
                rawbad.append('%s:%d %s: printed 0x%s, computed 0x%x' % (case, i, printed, raw_addr, address))
                report('%s:%d: RAW ADDRESS MISMATCH: printed 0x%s, computed 0x%x' % (case, i, raw_addr, address))
        lookup = lookup_of(kind, address)
        if module == MODULE:
            cont = [(a, s) for s, a in secs.items() if a <= lookup < a + ko_secsize.get(s, 0)]
            if len(cont) != 1:
                report('%s:%d: no unique section for 0x%x' % (case, i, lookup)); continue
            sbase, sname = cont[0]
            soff = lookup - sbase
            section_offset = '%s+0x%x' % (sname, soff)
            if KO_DWARF == 'linked':
                locations = addr2line(moved, lookup)
            else:
                locations = addr2line(ko, soff, sname)
            if KO_DWARF == 'linked' and sname == '.text':
                # eu-addr2line read the linked copy: ask llvm-symbolizer the ET_REL .ko itself
                # (it applies the MIPS64 relocations; for an ET_REL it looks an address up in the
                # first text section holding it, which is .text: only for .text rows)
                # (short: DWARF names; the symbol-table override would take any section's symbol at
                # that offset, e.g. crash_work_fn of .text.unlikely for crash_recurse of .text)
                second = llvm_symbolize(ko, soff, 'short')
                where2 = '%s.ko .text+0x%x' % (MODULE, soff)
            else:
                second = llvm_symbolize(moved, lookup)
                where2 = 'linked .ko @0x%x' % lookup
            insn = insn_at(ko_dis.get(sname, []), soff) if kind != 'pc' else None
        else:
            link = lookup - kaslr
            section_offset = '0x%x' % link
            locations = addr2line(vmlinux, link)
            second = llvm_symbolize(vmlinux, link)
            where2 = 'vmlinux @0x%x' % link
            # disassemble from the start of the symbol that holds the lookup address (for a call
            # as the last instruction of a noreturn function that is the previous symbol)
            vs = vaddrs[bisect.bisect_right(vaddrs, link) - 1]
            insn = vmlinux_insn(vs, link) if kind != 'pc' else None
        ok = same(locations, second)
        if not ok and module == MODULE and where2.startswith(MODULE + '.ko'):
            # LLVM 14 on the ET_REL .ko misses some inlined-subroutine/subprogram ranges ("??"):
            # ask it the linked copy too, and say which one agreed
            linked = llvm_symbolize(moved, lookup)
            if same(locations, linked):
                etrel_only.append('%s:%d %s: ET_REL .ko %s, linked copy %s' % (case, i, printed, second, linked))
                second, where2, ok = linked, where2 + ' DIFFERS (%s); linked .ko @0x%x' % (second, lookup), True
        # a difference only in the function name, with every file:line equal: both tools fell back
        # to the ELF symbol table (assembly code has no DW_TAG_subprogram) and chose different
        # symbols at the same address range
        verdict = 'agree' if ok else ('DIFFER in function name only' if [x[1:] for x in norm(locations)]
                                      == [x[1:] for x in norm(second)] else 'DIFFER')
        total[module][0] += 1
        total[module][1] += ok
        report('%s:%d %s %s: eu-addr2line: %s' % (case, i, kind, printed, locations))
        report('%s:%d %s   llvm-symbolizer(%s): %s  [%s]' % (case, i, ' ' * len(kind), where2, second, verdict))
        if not ok:
            differ.append('%s:%d %s %s: [%s] eu-addr2line %s / llvm-symbolizer %s' % (
                case, i, kind, printed, verdict, locations, second))
        if kind != 'pc':
            txt = insn[1] if insn else 'no instruction'
            iscall = bool(insn and CALL_RE.match(txt))
            report('%s:%d   instruction at the lookup address: %s%s' % (case, i, txt, '' if iscall else '   <-- NOT A CALL'))
            if not iscall:
                noncall.append('%s:%d %s %s: %s' % (case, i, kind, printed, txt))
        rows.append((i, kind, module, printed, '0x%x' % address, '0x%x' % lookup, section_offset, locations))
    with open(base + '.expected.tsv', 'w') as f:
        f.write('#line\tkind\tmodule\tprinted\taddress\tlookup\tsection_offset\tlocations\n')
        for r in rows:
            f.write('\t'.join(str(x) for x in r) + '\n')
    nmod = sum(1 for r in rows if r[2] == MODULE)
    report('%s: %d rows (%d %s, %d vmlinux), KASLR offset 0x%x (runtime %s 0x%x)' % (
        case, len(rows), nmod, MODULE, len(rows) - nmod, kaslr, E['KASLR_SYM'], rt_kaslr))

report('')
report('SUMMARY %s: %s rows %d (llvm-symbolizer agrees on %d), vmlinux rows %d (agrees on %d)' % (
    E['DEBIAN_ARCH'], MODULE, total[MODULE][0], total[MODULE][1], total['vmlinux'][0], total['vmlinux'][1]))
for d in differ:
    report('  DIFFER ' + d)
if etrel_only:
    report('%s rows where llvm-symbolizer on the ET_REL .ko differed but agreed on the linked copy: %d' % (MODULE, len(etrel_only)))
    for r in etrel_only:
        report('  ET_REL ' + r)
if total['raw'] != [0, 0]:
    report('printed raw addresses: %d equal the computed address, %d differ' % tuple(total['raw']))
    for r in rawbad:
        report('  RAW ADDRESS ' + r)
report('lr/return rows whose lookup address is not a call instruction: %d' % len(noncall))
for n in noncall:
    report('  NOT A CALL ' + n)
PY
