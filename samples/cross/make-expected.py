#!/usr/bin/env python3
"""Write expected.tsv for the fixture_TARGET.ko objects next to this script.

Independent of ksymbolize: only the cross binutils (objdump -d -r -z,
readelf -sW/-SW/-rW) and elfutils eu-addr2line are used.

Probes per function (see README.md):
  entry            first instruction of the function (ppc64le: the global entry)
  local-entry      ppc64le only, functions with a non-zero localentry
  middle           an instruction near the middle of the function that is not
                   a call, not a delay-slot instruction and not literal data
  return           return address of a call inside the function
  noreturn-return  return address of the call to the noreturn fx_panic

Columns: target function section probe offset section_offset lookup size
locations addr2line_arg.  `lookup` is the section-relative address an
addr2line-style tool must look up: the probe address itself for entry/middle,
the address of the call instruction (its first byte) for return probes.
`addr2line_arg` is the exact address given to eu-addr2line: equal to lookup,
except on microMIPS/MIPS16 where the DWARF addresses carry the ISA bit, so it
is lookup|1.  `locations` are eu-addr2line -f -i frames, innermost first,
`function@file:line`, joined by ' | '; the column is dropped and the "./"
compilation-directory prefix (DW_AT_comp_dir is ".") is stripped, as
samples/x86_64/cross-check.sh strips its comp_dir.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# target: (binutils prefix, clear bit 0 of st_value, DWARF addresses have ISA bit)
TARGETS = [
    ('x86_64', '', False, False),
    ('aarch64', 'aarch64-linux-gnu-', False, False),
    ('arm', 'arm-linux-gnueabihf-', False, False),
    ('thumb2', 'arm-linux-gnueabihf-', True, False),
    ('mips', 'mips-linux-gnu-', False, False),
    ('micromips', 'mips-linux-gnu-', True, True),
    ('mips16', 'mips-linux-gnu-', True, True),
    ('ppc64', 'powerpc64-linux-gnu-', False, False),
    ('ppc64le', 'powerpc64le-linux-gnu-', False, False),
    ('riscv64', 'riscv64-linux-gnu-', False, False),
]
NORETURN = 'fx_panic'


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def num(s):
    return int(s, 16) if s.startswith('0x') else int(s)


def sections(prefix, path):
    """index -> (name, size)"""
    out = {}
    for l in run(prefix + 'readelf', '-SW', path).splitlines():
        m = re.match(r'\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)', l)
        if m:
            out[m.group(1)] = (m.group(2), int(m.group(3), 16))
    return out


SYM_RE = re.compile(r'\s*(\d+):\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\w+)\s+(\w+)\s+(\w+)\s+'
                    r'(?:\[(.*?)\]\s+)?(\S+)\s+(\S+)$')


def symbols(prefix, path):
    out = []
    for l in run(prefix + 'readelf', '-sW', path).splitlines():
        m = SYM_RE.match(l)
        if m:
            out.append(dict(value=int(m.group(2), 16), size=num(m.group(3)), type=m.group(4),
                            bind=m.group(5), other=m.group(7) or '', ndx=m.group(8),
                            name=m.group(9), line=l.strip()))
    return out


def relocs(prefix, path, section):
    """offset -> (symbol, addend) for relocation section `section`"""
    out, cur = {}, None
    for l in run(prefix + 'readelf', '-rW', path).splitlines():
        m = re.match(r"Relocation section '(\S+)'", l)
        if m:
            cur = m.group(1)
            continue
        if cur != section:
            continue
        m = re.match(r'([0-9a-f]+)\s+[0-9a-f]+\s+(\S+)\s+[0-9a-f]+\s+(\S+) \+ ([0-9a-f]+)$', l.strip())
        if m:
            out[int(m.group(1), 16)] = (m.group(2), m.group(3), int(m.group(4), 16))
    return out


INSN_RE = re.compile(r'^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$')
RELOC_RE = re.compile(r'^\s*([0-9a-f]+): (R_\S+)\s+(\S+)')


def disassemble(prefix, path, section, secsize):
    """list of dicts: addr, len, text, mnem, relocs"""
    insns = []
    for l in run(prefix + 'objdump', '-d', '-r', '-z', '-j', section, path).splitlines():
        m = INSN_RE.match(l)
        if m:
            text = m.group(3).strip()
            insns.append(dict(addr=int(m.group(1), 16), text=text, mnem=text.split()[0], relocs=[]))
            continue
        m = RELOC_RE.match(l)
        if m and insns:
            off = int(m.group(1), 16)
            # attach to the instruction containing the relocated bytes
            for i in reversed(insns):
                if i['addr'] <= off:
                    i['relocs'].append((m.group(2), m.group(3)))
                    break
    for a, b in zip(insns, insns[1:]):
        a['len'] = b['addr'] - a['addr']
    if insns:
        insns[-1]['len'] = secsize - insns[-1]['addr']
    return insns


def is_call(target, insn):
    m, ops = insn['mnem'], insn['text'].split(None, 1)[1:] or ['']
    op0 = ops[0].split(',')[0].split()[0] if ops[0] else ''
    if target == 'x86_64':
        return m in ('call', 'callq')
    if target == 'aarch64':
        return m in ('bl', 'blr')
    if target in ('arm', 'thumb2'):
        return m in ('bl', 'blx')
    if target.startswith('mips') or target == 'micromips':
        return m in ('jal', 'jalr', 'jals', 'jalrs', 'jalx', 'bal', 'jalr.hb',
                     'jalrc', 'jialc', 'balc', 'jalrs16', 'jalr16')
    if target.startswith('ppc64'):
        return m in ('bl', 'bctrl', 'blrl', 'bcl')
    if target == 'riscv64':
        return m == 'call' or (m in ('jal', 'jalr') and op0 not in ('zero',))
    raise ValueError(target)


def has_delay_slot(target, insn):
    return target in ('mips', 'micromips', 'mips16') and not insn['mnem'].endswith('c')


def callee(insns, idx):
    """symbol named by a call relocation on the call or (RISC-V auipc) the instruction before"""
    for j in (idx, idx - 1) if insns[idx]['mnem'] == 'jalr' else (idx,):
        if j >= 0:
            for typ, sym in insns[j]['relocs']:
                if 'CALL' in typ or typ.endswith(('_26', '_26_S1', 'REL24', 'PLT32', 'PC32', 'JUMP26')):
                    return sym.split('-')[0].split('+')[0]
    return None


def addr2line(path, section, addr):
    out = run('eu-addr2line', '-f', '-i', '-e', path, '-j', section, '0x%x' % addr).splitlines()
    locs = []
    for fn, loc in zip(out[0::2], out[1::2]):
        fn = fn.split(' inlined at ')[0].strip()
        m = re.match(r'(.*?):(\d+|\?)(?::\d+)?$', loc)
        file, line = (m.group(1), m.group(2)) if m else (loc, '?')
        if file.startswith('./'):
            file = file[2:]
        locs.append('%s@%s:%s' % (fn, file, line))
    return ' | '.join(locs)


def main():
    rows, notes = [], []
    for target, prefix, clear_bit0, dwarf_isa in TARGETS:
        path = os.path.join(HERE, 'fixture_%s.ko' % target)
        if not os.path.exists(path):
            notes.append('%s: no %s, skipped' % (target, os.path.basename(path)))
            continue
        secs = sections(prefix, path)
        syms = [s for s in symbols(prefix, path) if s['type'] == 'FUNC' and s['ndx'] != 'UND']
        opd = None
        funcs = []  # (name, section, start, size, localentry, symline)
        for s in syms:
            secname = secs[s['ndx']][0]
            if secname == '.opd':
                # ELFv1: st_value is the descriptor's offset in .opd; its first doubleword
                # is relocated against the code: R_PPC64_ADDR64 .text + start
                if opd is None:
                    opd = relocs(prefix, path, '.rela.opd')
                typ, rsym, addend = opd[s['value']]
                assert typ == 'R_PPC64_ADDR64', typ
                code_sec, start = rsym, addend
                assert code_sec.startswith('.'), 'expected a section symbol: %s' % rsym
                notes.append('%s: %s .opd+0x%x -> %s %s + 0x%x' % (target, s['name'], s['value'], typ, code_sec, start))
            else:
                code_sec, start = secname, s['value'] & ~1 if clear_bit0 else s['value']
            le = 0
            m = re.search(r'localentry>: (\d+)', s['other'])
            if m:
                le = int(m.group(1))
            funcs.append((s['name'], code_sec, start, s['size'], le, s['line']))
        funcs.sort(key=lambda f: (f[1], f[2]))
        dis = {}
        for name, sec, start, size, le, _ in funcs:
            if sec not in dis:
                secsize = [v[1] for v in secs.values() if v[0] == sec][0]
                dis[sec] = disassemble(prefix, path, sec, secsize)
            insns = dis[sec]
            idx = [i for i, x in enumerate(insns) if start <= x['addr'] < start + size]
            assert idx and insns[idx[0]]['addr'] == start, (target, name)
            probes = [('entry', start, start)]
            if le:
                probes.append(('local-entry', start + le, start + le))
            delay, rets = set(), set()
            for i in idx:
                x = insns[i]
                if not is_call(target, x):
                    continue
                ret_i = i
                if has_delay_slot(target, x):
                    ret_i = i + 1
                    delay.add(i + 1)
                ret = insns[ret_i]['addr'] + insns[ret_i]['len']
                rets.add(ret)
                kind = 'noreturn-return' if callee(insns, i) == NORETURN else 'return'
                probes.append((kind, ret, x['addr']))
                if kind == 'noreturn-return':
                    nxt = [f for f in funcs if f[1] == sec and f[2] == ret]
                    after = [f for f in funcs if f[1] == sec and f[2] > ret]
                    if nxt:
                        where = 'start of ' + nxt[0][0]
                    elif ret < start + size:
                        where = 'inside %s (+0x%x of 0x%x, at `%s`)' % (
                            name, ret - start, size, insns[ret_i + 1]['text'])
                    else:
                        where = 'past the end of %s (st_size 0x%x), in padding `%s` before %s at 0x%x' % (
                            name, size, insns[ret_i + 1]['text'], after[0][0], after[0][2])
                    notes.append('%s: %s: call to %s at 0x%x returns to 0x%x = %s' % (
                        target, name, NORETURN, x['addr'], ret, where))
            mid = start + size // 2
            cands = [insns[i] for i in idx[1:]
                     if not is_call(target, insns[i]) and i not in delay and insns[i]['addr'] not in rets
                     and not insns[i]['mnem'].startswith('.') and insns[i]['addr'] + insns[i]['len'] <= start + size
                     and insns[i]['addr'] != start + le]
            if cands:
                m = min(cands, key=lambda x: (abs(x['addr'] - mid), x['addr']))
                probes.append(('middle', m['addr'], m['addr']))
            order = {'entry': 0, 'local-entry': 1}
            for kind, addr, lookup in sorted(probes, key=lambda p: (p[1], order.get(p[0], 2))):
                arg = lookup | 1 if dwarf_isa else lookup
                rows.append([target, name, sec, kind, '0x%x' % (addr - start), '0x%x' % addr,
                             '0x%x' % lookup, '0x%x' % size, addr2line(path, sec, arg), '0x%x' % arg])
    with open(os.path.join(HERE, 'expected.tsv'), 'w') as f:
        f.write('#' + '\t'.join(['target', 'function', 'section', 'probe', 'offset', 'section_offset',
                                 'lookup', 'size', 'locations', 'addr2line_arg']) + '\n')
        for r in rows:
            f.write('\t'.join(r) + '\n')
    with open(os.path.join(HERE, 'expected-notes.txt'), 'w') as f:
        f.write('# written by make-expected.py\n')
        for n in notes:
            f.write(n + '\n')
            print(n, file=sys.stderr)
    counts = {}
    for r in rows:
        counts[r[0]] = counts.get(r[0], 0) + 1
    print('rows: ' + ' '.join('%s=%d' % kv for kv in counts.items()), file=sys.stderr)


if __name__ == '__main__':
    main()
