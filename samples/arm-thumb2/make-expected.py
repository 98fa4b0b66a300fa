#!/usr/bin/env python3
"""Write CASE.expected.tsv for one captured case: the independent cross-check.

For every frame line of the oops/warning in CASE.log that carries an address
(`PC is at`, `LR is at`, and both addresses of every `[<a>] (f) from [<b>] (g)`
backtrace line) whose address lies in crashmod or in vmlinux's text, one row:

  line            1-based line number in CASE.log
  kind            pc | lr | return
  module          crashmod | vmlinux
  printed         the frame text as printed
  address         runtime address (hex)
  lookup          address looked up: pc as is; lr/return: (addr & ~1) - 1
  section_offset  SECTION+0xOFF of `lookup` (crashmod: from CASE.sections;
                  vmlinux: relative to the vmlinux section holding it)
  locations       eu-addr2line -f -i at `lookup`, innermost first, as
                  function@file:line joined by " | " (the DWARF comp_dir,
                  i.e. the kernel tree, is stripped from the file names)
  call_before     for lr/return: the instruction ending at (addr & ~1)
                  (objdump; for crashmod with its relocation's real target in
                  [..]), so one can see whether it really is a call site;
                  "none" if no instruction ends there; "-" for pc
  correct_symbol  what a correct kallsyms prints for `address` (%pS style,
                  func+0xoff/0xsize): for crashmod computed from the module's
                  /proc/kallsyms lines with the Thumb bit of function symbols
                  cleared (the fixed kernel's rule), for vmlinux from its
                  symbol table.  In the prefix variant this differs from what
                  the kernel printed.

Rows are generated, never written by hand.  Disagreements between what the
kernel printed and what this script emulates for the variant are reported on
stderr.
"""
import argparse
import bisect
import os
import re
import subprocess
import sys

CROSS = "arm-linux-gnueabihf-"

ap = argparse.ArgumentParser()
ap.add_argument("--variant", required=True, choices=["fixed", "prefix"])
ap.add_argument("--dir", required=True, help="samples/arm-thumb2/VARIANT")
ap.add_argument("--tree", required=True, help="kernel build tree (has vmlinux)")
ap.add_argument("--case", required=True)
args = ap.parse_args()

ko = os.path.join(args.dir, "crashmod.ko")
vmlinux = os.path.join(args.tree, "vmlinux")
tree_prefix = os.path.realpath(args.tree) + "/"


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def warn(msg):
    print(f"make-expected [{args.variant}/{args.case}]: {msg}", file=sys.stderr)


# ---- ELF section tables ----------------------------------------------------
def sections(path):
    """name -> (addr, size, flags)"""
    out = {}
    for l in run([CROSS + "readelf", "-SW", path]).splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]{8})\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+([A-Za-z]*)", l)
        if m:
            out[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16), m.group(4))
    return out


ko_secs = sections(ko)
vm_secs = sections(vmlinux)

# runtime section bases of the module, from `grep -r . /sys/module/crashmod/sections/`
runtime = {}
with open(os.path.join(args.dir, args.case + ".sections")) as f:
    for l in f:
        path, _, val = l.strip().rpartition(":")
        runtime[os.path.basename(path)] = int(val, 16)

mod_ranges = []  # (start, end, section) of loaded crashmod sections
for name, base in runtime.items():
    if name in ko_secs and ko_secs[name][1] > 0 and "A" in ko_secs[name][2]:
        mod_ranges.append((base, base + ko_secs[name][1], name))


def in_module(addr):
    for s, e, n in mod_ranges:
        if s <= addr < e:
            return n, addr - s
    return None


def in_vmlinux(addr):
    for n, (a, size, fl) in vm_secs.items():
        if "X" in fl and a <= addr < a + size:
            return n, addr - a
    return None


# ---- symbols ---------------------------------------------------------------
def is_mapping_symbol(name):
    # kernel/module/kallsyms.c (6.1): is_arm_mapping_symbol()
    return name.startswith(".L") or (len(name) >= 2 and name[0] == "$" and name[1] in "axtd"
                                     and (len(name) == 2 or name[2] == "."))


ko_func_names = set()
for l in run([CROSS + "readelf", "-sW", ko]).splitlines():
    p = l.split()
    if len(p) >= 8 and p[3] == "FUNC":
        ko_func_names.add(p[7])

# the module's kallsyms as the kernel listed them
mod_syms = []  # (value as listed, type, name)
with open(os.path.join(args.dir, args.case + ".kallsyms")) as f:
    for l in f:
        p = l.split()
        if len(p) >= 3:
            mod_syms.append((int(p[0], 16), p[1], p[2]))

core_text_end = max((runtime[n] + ko_secs[n][1] for n in runtime
                     if n in ko_secs and "X" in ko_secs[n][2] and not n.startswith(".init")),
                    default=0)
# CONFIG_STRICT_MODULE_RWX: core_layout.text_size is page aligned (debug_align)
if "CONFIG_STRICT_MODULE_RWX=y" in open(os.path.join(args.dir, "config")).read().splitlines():
    core_text_end = (core_text_end + 4095) & ~4095
# CONFIG_STRICT_MODULE_RWX: text_size is page aligned (debug_align)
if "CONFIG_STRICT_MODULE_RWX=y" in open(os.path.join(args.dir, "config")).read().splitlines():
    core_text_end = (core_text_end + 4095) & ~4095


def module_symbol(addr, clear_thumb):
    """Emulate find_kallsyms_symbol(); clear_thumb: the fixed kernel's rule."""
    best = None
    nextval = core_text_end
    for val, typ, name in mod_syms:
        if is_mapping_symbol(name):
            continue
        if clear_thumb and name in ko_func_names:
            val &= ~1
        elif not clear_thumb and name in ko_func_names:
            val |= 1  # as the pre-fix kernel keeps st_value
        if val <= addr and (best is None or val > best[0]):
            best = (val, name)
        if val > addr and val < nextval:
            nextval = val
    if best is None:
        return None
    return f"{best[1]}+{addr - best[0]:#x}/{nextval - best[0]:#x}"


vm_syms = []  # sorted (addr, name) of vmlinux text symbols
for l in run([CROSS + "nm", "-n", vmlinux]).splitlines():
    p = l.split()
    if len(p) == 3 and p[1] in "tTWw" and not is_mapping_symbol(p[2]) and not p[2].startswith("__crc_"):
        vm_syms.append((int(p[0], 16), p[2]))
vm_addrs = [a for a, _ in vm_syms]


def vmlinux_symbol(addr):
    i = bisect.bisect_right(vm_addrs, addr) - 1
    if i < 0:
        return None
    a, name = vm_syms[i]
    j = i + 1
    while j < len(vm_syms) and vm_syms[j][0] == a:
        j += 1
    size = (vm_syms[j][0] - a) if j < len(vm_syms) else 0
    return f"{name}+{addr - a:#x}/{size:#x}", a


# ---- eu-addr2line ------------------------------------------------------------
def clean_path(p):
    return p[len(tree_prefix):] if p.startswith(tree_prefix) else p


def addr2line(elf, addrs, section=None):
    """-> list of location strings, one per address"""
    if not addrs:
        return []
    cmd = ["eu-addr2line", "-a", "-f", "-i", "-e", elf]
    if section:
        cmd += ["-j", section]
    out = run(cmd + [f"{a:#x}" for a in addrs]).splitlines()
    res, cur = [], None
    i = 0
    while i < len(out):
        if re.fullmatch(r"0x[0-9a-f]+", out[i]):
            if cur is not None:
                res.append(cur)
            cur = []
            i += 1
            continue
        func = out[i].split(" ")[0]
        loc = out[i + 1] if i + 1 < len(out) else "??:0"
        m = re.match(r"(.*?):(\d+)(?::\d+)?$", loc)
        loc = f"{clean_path(m.group(1))}:{m.group(2)}" if m else clean_path(loc)
        cur.append(f"{func}@{loc}")
        i += 2
    if cur is not None:
        res.append(cur)
    assert len(res) == len(addrs), (res, addrs)
    return [" | ".join(r) for r in res]


# ---- objdump: the instruction that ends at a return address -------------------
_ko_dis = None


def insn_ending_at(where, sec, off, end_abs):
    """Return 'mnemonic operands' of the instruction ending at section offset `off`
    (crashmod) or at absolute address `end_abs` (vmlinux)."""
    global _ko_dis
    if where == "crashmod":
        if _ko_dis is None:
            _ko_dis = {}
            cur = last = None
            for l in run([CROSS + "objdump", "-d", "-r", ko]).splitlines():
                m = re.match(r"Disassembly of section (\S+):", l)
                if m:
                    cur = m.group(1)
                    continue
                m = re.match(r"\s*([0-9a-f]+):\t((?:[0-9a-f]{4,8} )+)\s*\t(.*)", l)
                if m and cur:
                    start = int(m.group(1), 16)
                    n = sum(len(h) // 2 for h in m.group(2).split())
                    last = (cur, start + n)
                    _ko_dis[last] = re.sub(r"\s+", " ", m.group(3)).strip()
                    continue
                # relocation of the previous instruction (objdump -r): name the real target
                m = re.match(r"\s*[0-9a-f]+: (R_ARM_\w+)\s+(\S+)", l)
                if m and cur and last in _ko_dis:
                    _ko_dis[last] += f" [{m.group(1)} {m.group(2)}]"
        return _ko_dis.get((sec, off), "none")
    start = vmlinux_symbol(end_abs - 1)
    if start is None:
        return "none"
    out = run([CROSS + "objdump", "-d", f"--start-address={start[1]:#x}",
               f"--stop-address={end_abs:#x}", vmlinux]).splitlines()
    for l in out:
        m = re.match(r"\s*([0-9a-f]+):\t((?:[0-9a-f]{4,8} )+)\s*\t(.*)", l)
        if m:
            s = int(m.group(1), 16)
            n = sum(len(h) // 2 for h in m.group(2).split())
            if s + n == end_abs:
                return re.sub(r"\s+", " ", m.group(3)).strip()
    return "none"


# ---- parse the log -----------------------------------------------------------
with open(os.path.join(args.dir, args.case + ".log"), "rb") as f:
    lines = f.read().decode("utf-8", "replace").split("\n")

TS = r"^(?:\[\s*\d+\.\d+\]\s)?"
frames = []  # (lineno, kind, printed, address)
pending_pc = []  # ("PC is at"/"LR is at" lines waiting for the `pc : [<>] lr : [<>]` line)
first_bt_line = True
fault_pc = None
for n, raw in enumerate(lines, 1):
    l = raw.rstrip("\r")
    body = re.sub(TS, "", l)
    m = re.match(r"(PC|LR) is at (.*)$", body)
    if m:
        pending_pc.append((n, m.group(1), m.group(2)))
        continue
    m = re.match(r"pc : \[<([0-9a-f]+)>\]\s+lr : \[<([0-9a-f]+)>\]", body)
    if m:
        pc, lr = int(m.group(1), 16), int(m.group(2), 16)
        fault_pc = pc
        for ln, which, text in pending_pc:
            frames.append((ln, "pc" if which == "PC" else "lr", text, pc if which == "PC" else lr))
        pending_pc = []
        first_bt_line = True
        continue
    m = re.match(r"\[<([0-9a-f]+)>\] (\(.*?\)) from \[<([0-9a-f]+)>\] (\(.*\))$", body)
    if m:
        a, b = int(m.group(1), 16), int(m.group(3), 16)
        # the first `where` of a trace is a PC (the fault PC after an oops, a
        # label inside unwind_backtrace for dump_stack); later ones repeat the
        # previous line's return address
        kind_a = "pc" if first_bt_line else "return"
        frames.append((n, kind_a, f"[<{m.group(1)}>] {m.group(2)}", a))
        frames.append((n, "return", f"[<{m.group(3)}>] {m.group(4)}", b))
        first_bt_line = False
        continue
    if re.match(r"(Backtrace:|Call trace:|---\[ end trace)", body):
        first_bt_line = True

rows = []
for ln, kind, printed, addr in frames:
    lookup = addr if kind == "pc" else (addr & ~1) - 1
    where = in_module(lookup)
    if where:
        module = "crashmod"
    else:
        where = in_vmlinux(lookup)
        module = "vmlinux" if where else None
    if not module:
        warn(f"line {ln}: {addr:#x} neither in crashmod nor in vmlinux text")
        continue
    rows.append(dict(line=ln, kind=kind, module=module, printed=printed, address=addr,
                     lookup=lookup, sec=where[0], off=where[1]))

# locations, grouped per ELF / section
for r in rows:
    r["locations"] = None
groups = {}
for i, r in enumerate(rows):
    key = ("crashmod", r["sec"]) if r["module"] == "crashmod" else ("vmlinux", None)
    groups.setdefault(key, []).append(i)
for (mod, sec), idx in groups.items():
    if mod == "crashmod":
        locs = addr2line(ko, [rows[i]["off"] for i in idx], sec)
    else:
        locs = addr2line(vmlinux, [rows[i]["lookup"] for i in idx])
    for i, loc in zip(idx, locs):
        rows[i]["locations"] = loc

for r in rows:
    if r["kind"] == "pc":
        r["call_before"] = "-"
    else:
        end = r["address"] & ~1
        if r["module"] == "crashmod":
            r["call_before"] = insn_ending_at("crashmod", r["sec"], r["off"] + 1, end)
        else:
            r["call_before"] = insn_ending_at("vmlinux", None, None, end)
    if r["module"] == "crashmod":
        r["correct"] = module_symbol(r["address"], clear_thumb=True) or "?"
        emulated = module_symbol(r["address"], clear_thumb=(args.variant == "fixed"))
    else:
        r["correct"] = vmlinux_symbol(r["address"])[0]
        emulated = r["correct"]
    # what the kernel printed: "name+0xoff/0xsize [crashmod]" or "name [crashmod]"
    pm = re.search(r"\(?([^\s()\[]+)(?: \[\w+\])?\)?$", r["printed"])
    printed_sym = pm.group(1) if pm else r["printed"]
    if "+" in printed_sym:
        if printed_sym != emulated:
            warn(f"line {r['line']}: printed {printed_sym}, emulated {emulated}")
    elif printed_sym != emulated.split("+")[0]:
        warn(f"line {r['line']}: printed {printed_sym}, emulated {emulated}")

out = os.path.join(args.dir, args.case + ".expected.tsv")
with open(out, "w") as f:
    f.write("# line\tkind\tmodule\tprinted\taddress\tlookup\tsection_offset\tlocations\tcall_before\tcorrect_symbol\n")
    for r in rows:
        f.write("\t".join([str(r["line"]), r["kind"], r["module"], r["printed"],
                           f"{r['address']:#x}", f"{r['lookup']:#x}", f"{r['sec']}+{r['off']:#x}",
                           r["locations"], r["call_before"], r["correct"]]) + "\n")
print(f"wrote {out} ({len(rows)} rows)")
