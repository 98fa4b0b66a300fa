#!/usr/bin/env python3
"""Second, independent check of CASE.expected.tsv with llvm-symbolizer.

For each variant and case: link a scratch copy of crashmod.ko at the runtime
section addresses of that boot (CASE.sections) with a generated linker script
(`arm-linux-gnueabihf-ld -T`, undefined kernel symbols ignored, so code and
DWARF relocations are applied for those addresses), then ask llvm-symbolizer
(--inlining) for every `lookup` address of the rows: crashmod rows against the
linked copy, vmlinux rows against the variant's vmlinux.  Function names are
compared without gcc clone suffixes (.constprop.0 ...), file names with the
DWARF comp_dir stripped, and line numbers as given (columns ignored).

Writes check-llvm.txt next to this script and prints it.

  check-llvm.py [--work /root/ksym-work/arm-thumb2]
"""
import argparse
import glob
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--work", default=os.environ.get("WORK", "/root/ksym-work/arm-thumb2"))
args = ap.parse_args()


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def norm_func(f):
    return f.split(".")[0]


def llvm(obj, addrs, tree_prefix):
    out = run(["llvm-symbolizer", f"--obj={obj}", "--inlining"] + [hex(a) for a in addrs])
    res = []
    for block in out.strip("\n").split("\n\n"):
        ls = block.split("\n")
        ent = []
        for i in range(0, len(ls) - 1, 2):
            m = re.match(r"(.*?):(\d+)(?::\d+)?$", ls[i + 1])
            path, line = (m.group(1), m.group(2)) if m else (ls[i + 1], "0")
            if path.startswith(tree_prefix):
                path = path[len(tree_prefix):]
            ent.append((norm_func(ls[i]), f"{path}:{line}"))
        res.append(ent)
    assert len(res) == len(addrs)
    return res


report = []
total = agree = 0
for variant in ("fixed", "prefix"):
    vdir = os.path.join(HERE, variant)
    tree = os.path.join(args.work, variant, "linux-source-6.1")
    tree_prefix = os.path.realpath(tree) + "/"
    vmlinux = os.path.join(tree, "vmlinux")
    for tsv in sorted(glob.glob(os.path.join(vdir, "*.expected.tsv"))):
        case = os.path.basename(tsv).split(".")[0]
        rows = [l.rstrip("\n").split("\t") for l in open(tsv) if not l.startswith("#")]
        # linker script from this boot's section addresses
        ld = os.path.join(args.work, variant, f"{case}.moved.ld")
        elf = os.path.join(args.work, variant, f"{case}.moved.elf")
        with open(ld, "w") as f:
            f.write("SECTIONS {\n")
            for l in open(os.path.join(vdir, case + ".sections")):
                path, _, val = l.strip().rpartition(":")
                sec = os.path.basename(path)
                if sec in (".symtab", ".strtab"):
                    continue
                f.write(f"  {sec} {val} : {{ *({sec}) }}\n")
            f.write("}\n")
        subprocess.run(["arm-linux-gnueabihf-ld", "-T", ld, "--unresolved-symbols=ignore-all",
                        "--noinhibit-exec", "-o", elf, os.path.join(vdir, "crashmod.ko")],
                       check=True, capture_output=True)
        for mod, obj in (("crashmod", elf), ("vmlinux", vmlinux)):
            sel = [r for r in rows if r[2] == mod]
            if not sel:
                continue
            got = llvm(obj, [int(r[5], 16) for r in sel], tree_prefix)
            for r, g in zip(sel, got):
                exp = [(norm_func(e.split("@")[0]), e.split("@", 1)[1]) for e in r[7].split(" | ")]
                total += 1
                if g == exp:
                    agree += 1
                    continue
                same_funcs = [a for a, _ in g] == [a for a, _ in exp]
                report.append(f"{variant}/{case} line {r[0]} {r[1]} {mod} {r[5]}: "
                              f"{'same functions, different lines' if same_funcs else 'DIFFERENT'}\n"
                              f"    eu-addr2line:    {r[7]}\n"
                              f"    llvm-symbolizer: {' | '.join(f'{a}@{b}' for a, b in g)}")

text = (f"llvm-symbolizer (--inlining) vs eu-addr2line at every lookup address of every "
        f"*.expected.tsv row\n(crashmod rows: crashmod.ko linked at the boot's section addresses; "
        f"vmlinux rows: vmlinux)\n\nrows: {total}, identical: {agree}, differing: {total - agree}\n")
if report:
    text += "\n" + "\n".join(report) + "\n"
open(os.path.join(HERE, "check-llvm.txt"), "w").write(text)
print(text)
