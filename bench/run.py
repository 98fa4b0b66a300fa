#!/usr/bin/env python3
"""make bench: ksymbolize against the reference symbolizers (see bench/README.md).

Python 3 standard library only. Every workload runs each reference tool and
ksymbolize alternately, round after round, and reports medians, the time
ratio (reference time / ksymbolize time: > 1 means ksymbolize is faster) and
the RSS ratio (reference peak RSS / ksymbolize peak RSS: > 1 means ksymbolize
uses less memory).
"""
import argparse
import json
import os
import queue
import random
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

import serve  # bench/serve.py: W-serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
CACHE = os.environ.get("KSYMBOLIZE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "ksymbolize")
WORK = os.path.join(CACHE, "bench")
SRC_DIR = os.path.join(CACHE, "linux-source-6.1")
SCRIPTS = os.path.join(SRC_DIR, "linux-source-6.1", "scripts")
PACKAGES = ["llvm", "elfutils", "binutils", "linux-source-6.1", "libdw-dev", "libelf-dev", "gcc", "time"]
MODULES = {  # module -> path under the modules directory
    "ext4": "fs/ext4/ext4.ko",
    "xfs": "fs/xfs/xfs.ko",
    "nf_tables": "net/netfilter/nf_tables.ko",
}
SEED = 20260101
KS = "ksymbolize"


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- setup

def ensure_packages():
    missing = []
    for p in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(p)
    if not missing:
        return
    log(f"installing {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-q"], check=True, stdout=sys.stderr, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-q"] + missing, check=True, stdout=sys.stderr, env=env)


def ensure_scripts():
    """scripts/decode_stacktrace.sh and scripts/faddr2line from linux-source-6.1 (only those two)."""
    want = [os.path.join(SCRIPTS, n) for n in ("decode_stacktrace.sh", "faddr2line")]
    if all(os.path.exists(w) for w in want):
        return
    os.makedirs(SRC_DIR, exist_ok=True)
    log("extracting decode_stacktrace.sh and faddr2line from /usr/src/linux-source-6.1.tar.xz")
    subprocess.run(["tar", "-xJf", "/usr/src/linux-source-6.1.tar.xz", "-C", SRC_DIR,
                    "linux-source-6.1/scripts/decode_stacktrace.sh", "linux-source-6.1/scripts/faddr2line"],
                   check=True)


def script_path(cmd):
    return subprocess.run(["bash", os.path.join(ROOT, cmd)], check=True, capture_output=False,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def build_ksymbolize(args):
    if args.ksymbolize:
        return os.path.abspath(args.ksymbolize)
    binary = os.path.join(ROOT, ".build", "release", "ksymbolize")
    if not args.no_build:
        for attempt in (1, 2):  # a source edited during the build fails it: try once more
            log("swift build -c release")
            r = subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT, stdout=sys.stderr)
            if r.returncode == 0:
                break
        else:
            if not os.path.exists(binary):
                sys.exit("bench: swift build -c release failed")
            log("swift build -c release failed: measuring the existing .build/release/ksymbolize")
    return binary


def build_floor():
    out = os.path.join(WORK, "floor")
    src = os.path.join(BENCH, "floor.c")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        log("cc -O2 bench/floor.c -ldw -lelf")
        subprocess.run(["cc", "-O2", "-o", out, src, "-ldw", "-lelf"], check=True)
    return out


# --------------------------------------------------------------------------- ELF (modules)

def elf_sections_and_funcs(path):
    """Sections (name, flags, size, addralign) and STT_FUNC symbols (name, shndx, value, size) of an ELF64 LE file."""
    with open(path, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    shdrs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = shdrs[shstrndx][4]

    def cstr(off):
        return data[off:data.index(b"\0", off)].decode()

    sections = [dict(name=cstr(strtab_off + s[0]), type=s[1], flags=s[2], offset=s[4], size=s[5],
                     link=s[6], align=s[8], entsize=s[9]) for s in shdrs]
    funcs, starts = [], {}
    for s in sections:
        if s["type"] != 2:  # SHT_SYMTAB
            continue
        names = sections[s["link"]]["offset"]
        for i in range(s["size"] // 24):
            name, info, _other, shndx, value, size = struct.unpack_from("<IBBHQQ", data, s["offset"] + i * 24)
            if info & 0xF in (0, 1, 2) and name and 0 < shndx < len(sections):
                starts.setdefault(shndx, []).append(value)
            if info & 0xF == 2 and size > 0 and 0 < shndx < len(sections):  # STT_FUNC
                funcs.append(dict(name=cstr(names + name), shndx=shndx, value=value, size=size))
    sizes = {i: kallsyms_sizes(v, sections[i]["size"]) for i, v in starts.items()}
    for f in funcs:
        f["printed_size"] = sizes[f["shndx"]](f["value"])
    return sections, funcs


def module_layout(moddir, base=0xFFFFFFFFC0A00000):
    """Plausible runtime section addresses for each module: .text at a page, other SHF_ALLOC sections after it."""
    layout = {}
    addr = base
    for mod, rel in MODULES.items():
        sections, funcs = elf_sections_and_funcs(os.path.join(moddir, rel))
        secaddr = {}
        order = sorted((i for i, s in enumerate(sections) if s["flags"] & 2 and s["size"] > 0),
                       key=lambda i: sections[i]["name"] != ".text")
        for i in order:
            s = sections[i]
            align = max(s["align"], 1)
            if s["name"] in (".text", ".init.text", ".data", ".rodata"):
                align = max(align, 4096)
            addr = (addr + align - 1) // align * align
            secaddr[i] = addr
            addr += s["size"]
        text = next(i for i, s in enumerate(sections) if s["name"] == ".text")
        layout[mod] = dict(sections=sections, secaddr=secaddr, text=text,
                           funcs=[f for f in funcs if f["shndx"] == text],
                           path=os.path.join(moddir, rel))
        addr = (addr + 0xFFFFF) // 0x100000 * 0x100000 + 0x100000  # next module on a fresh MB
    return layout


def write_sections(layout, path):
    with open(path, "w") as f:
        for mod, m in layout.items():
            for i, a in m["secaddr"].items():
                f.write(f"/sys/module/{mod}/sections/{m['sections'][i]['name']}:0x{a:x}\n")


# --------------------------------------------------------------------------- inputs

def kallsyms_sizes(starts, end):
    """Size as kallsyms prints it: the distance to the next symbol's address (or to `end`)."""
    uniq = sorted(set(starts))
    nxt = {a: b for a, b in zip(uniq, uniq[1:])}
    return lambda a: nxt.get(a, end) - a


def vmlinux_funcs(vmlinux):
    """(name, address, st_size, printed size) of the text symbols with st_size > 0."""
    out = subprocess.run(["nm", "-S", vmlinux], check=True, capture_output=True, text=True).stdout
    funcs, starts = [], []
    for line in out.splitlines():
        p = line.split()
        if len(p) >= 3 and p[-2] in ("t", "T", "w", "W"):
            addr = int(p[0], 16)
            starts.append(addr)
            if len(p) == 4 and int(p[1], 16) > 0:
                funcs.append((p[3], addr, int(p[1], 16)))
    ksize = kallsyms_sizes(starts, max(a + s for _n, a, s in funcs))
    return [(n, a, s, ksize(a)) for n, a, s in funcs]


def w1_addresses(funcs, n, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        name, addr, size, _psize = funcs[rng.randrange(len(funcs))]
        out.append(addr + rng.randrange(size))
    return out


REGS = """RSP: 0018:ffffb4c1c05ab9f0 EFLAGS: 00010246
RAX: 0000000000000000 RBX: ffff8e9c42046540 RCX: 0000000000000000
RDX: 0000000000000001 RSI: 0000000000000246 RDI: ffff8e9c42046540
RBP: ffffb4c1c05aba48 R08: 0000000000000000 R09: ffffb4c1c05ab890
R10: 0000000000000003 R11: ffffffff93ed46c8 R12: 0000000000000000
R13: ffff8e9c42046540 R14: 0000000000000005 R15: ffffb4c1c05abb10
FS:  00007f1c2d2123c0(0000) GS:ffff8e9c7ec00000(0000) knlGS:0000000000000000
CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033
CR2: 0000000000000000 CR3: 00000000026cc000 CR4: 00000000000006f0""".splitlines()


def w2_log(vfuncs, layout, n_oopses, frames, seed, addresses=None):
    """x86-64 oopses (format of samples/x86_64/null.log, without Code: lines).

    Returns (lines, frame_line_indices, frames) where frames are (oops, name, off, size, module or None).
    Each frame's address (vmlinux: link-time address of symbol+off; module:
    offset in .text) is appended to `addresses` when a list is given.
    """
    rng = random.Random(seed)
    mods = ["ext4", "xfs"]
    lines, frame_idx, flist = [], [], []
    t = 100.0

    def emit(text):
        nonlocal t
        t += rng.uniform(0.00002, 0.0002)
        lines.append(f"[{t:12.6f}] {text}")

    def frame(oops, first):
        if rng.random() < 0.12:
            mod = rng.choice(mods)
            f = rng.choice(layout[mod]["funcs"])
            name, size, psize, base = f["name"], f["size"], f["printed_size"], f["value"]
        else:
            mod = None
            name, base, size, psize = vfuncs[rng.randrange(len(vfuncs))]
        # Inside the function (st_size); printed size as kallsyms prints it (to the next symbol).
        off = rng.randrange(size) if first or size == 1 else rng.randrange(1, size + 1 if size < psize else size)
        flist.append((oops, name, off, psize, mod))
        if addresses is not None:
            addresses.append(base + off)
        return f"{name}+0x{off:x}/0x{psize:x}" + (f" [{mod}]" if mod else "")

    for k in range(n_oopses):
        emit("BUG: kernel NULL pointer dereference, address: 0000000000000000")
        emit("#PF: supervisor read access in kernel mode")
        emit("#PF: error_code(0x0000) - not-present page")
        emit("PGD 0 P4D 0 ")
        emit(f"Oops: 0000 [#{k + 1}] PREEMPT SMP NOPTI")
        emit(f"CPU: {k % 2} PID: {90 + k} Comm: sh Tainted: G      D    OE      6.1.0-50-amd64 #1  Debian 6.1.176-1")
        emit("Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014")
        frame_idx.append(len(lines))
        emit("RIP: 0010:" + frame(k, True))
        for r in REGS:
            emit(r)
        emit("Call Trace:")
        emit(" <TASK>")
        for _ in range(frames - 1):
            q = "? " if rng.random() < 0.25 else ""
            frame_idx.append(len(lines))
            emit(" " + q + frame(k, False))
        emit(" </TASK>")
        emit("Modules linked in: nf_tables xfs ext4 crc32c_generic")
        emit("CR2: 0000000000000000")
        emit("---[ end trace 0000000000000000 ]---")
    return lines, frame_idx, flist


def w3_addresses(layout, per_module, seed):
    """Raw runtime addresses inside .text functions of each module, and their .text-relative offsets."""
    rng = random.Random(seed)
    raw, rel = [], {m: [] for m in layout}
    for mod, m in layout.items():
        base = m["secaddr"][m["text"]]
        for _ in range(per_module):
            f = rng.choice(m["funcs"])
            off = f["value"] + rng.randrange(f["size"])
            raw.append(base + off)
            rel[mod].append(off)
    order = list(range(len(raw)))
    rng.shuffle(order)
    mods = list(layout)
    origin = [(mods[i // per_module], i % per_module) for i in order]  # (module, index in rel[module])
    return [raw[i] for i in order], rel, origin


def write_lines(path, items):
    with open(path, "w") as f:
        for x in items:
            f.write((f"0x{x:x}" if isinstance(x, int) else x) + "\n")
    return path


# --------------------------------------------------------------------------- running

class Unavailable(Exception):
    pass


def run_once(cmd, stdin_path, stdout_path=None, timeout=None, cwd=None):
    """Wall time (s) and peak RSS (KiB, the largest of the process and its waited-for children)."""
    errf = tempfile.TemporaryFile()
    with open(stdin_path, "rb") as fin, open(stdout_path or os.devnull, "wb") as fout:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=errf, cwd=cwd)
        except OSError as e:
            raise Unavailable(str(e))
        # A blocking wait: the time is taken when the process ends, not at
        # the next poll (polling every 2 ms added ~1 ms to runs of ~20 ms).
        killer = None
        expired = threading.Event()
        if timeout is not None:
            def expire():
                expired.set()
                p.kill()
            killer = threading.Timer(timeout, expire)
            killer.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        if killer:
            killer.cancel()
        if expired.is_set():
            p.returncode = -9
            raise Unavailable(f"timed out after {timeout:.0f} s")
        p.returncode = os.waitstatus_to_exitcode(status)
    errf.seek(0)
    err = errf.read().decode(errors="replace")
    return wall, ru.ru_maxrss, p.returncode, err


def run_group(cmd, inputs, timeout=None, out_prefix=None):
    """Several invocations that together do one job (e.g. one per module): summed time, max RSS."""
    total, rss, rcs, errs = 0.0, 0, [], []
    for i, (c, stdin_path) in enumerate(cmd(inputs) if callable(cmd) else [(cmd, inputs)]):
        out = f"{out_prefix}.{i}" if out_prefix else None
        w, r, rc, err = run_once(c, stdin_path, out, timeout)
        total += w
        rss = max(rss, r)
        rcs.append(rc)
        errs.append(err)
    return total, rss, rcs, "".join(errs)


def bench_case(tools, rounds, save_dir=None):
    """tools: list of (name, cmd_or_fn, inputs, rounds_override, ok_codes, timeout).
    Runs them alternately, `rounds` rounds; returns {name: stats}."""
    res = {t[0]: dict(times=[], rss_kb=[], errors=[]) for t in tools}
    if save_dir:
        os.makedirs(save_dir, exist_ok=True)
    for r in range(rounds):
        for name, cmd, inputs, max_rounds, ok, timeout in tools:
            st = res[name]
            if st.get("unavailable") or (max_rounds is not None and r >= max_rounds):
                continue
            out = os.path.join(save_dir, re.sub(r"[^\w.-]", "_", name)) if save_dir and r == 0 else None
            try:
                w, rss, rcs, err = run_group(cmd, inputs, timeout, out)
            except Unavailable as e:
                st["unavailable"] = str(e)
                log(f"  {name}: could not run: {e}")
                continue
            bad = [c for c in rcs if c not in ok]
            if bad:
                st["errors"].append(f"exit {bad[0]}: {err.strip()[-300:]}")
                log(f"  {name}: exit {bad[0]}: {err.strip()[-300:]}")
            st["times"].append(w)
            st["rss_kb"].append(rss)
            log(f"  round {r + 1}: {name}: {w:.3f} s, {rss / 1024:.0f} MiB")
    for name, st in res.items():
        if st["times"]:
            st["time_s"] = statistics.median(st["times"])
            st["rss_mib"] = statistics.median(st["rss_kb"]) / 1024
            st["rounds"] = len(st["times"])
    ks = res.get(KS)
    for name, st in res.items():
        if name != KS and ks and "time_s" in st and "time_s" in ks:
            st["time_ratio"] = st["time_s"] / ks["time_s"]
            st["rss_ratio"] = st["rss_mib"] / ks["rss_mib"]
    return res


# --------------------------------------------------------------------------- W4: streaming latency

def w4_latency(ks_cmd, lines, frame_idx, timeout=60.0):
    """Write lines one at a time into ksymbolize's stdin; per frame line, seconds until its annotated line comes out."""
    p = subprocess.Popen(ks_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    q = queue.Queue()

    def reader():
        for raw in iter(p.stdout.readline, b""):
            q.put((time.perf_counter(), raw.decode(errors="replace").rstrip("\n")))
        q.put((time.perf_counter(), None))

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    frames = set(frame_idx)
    lat, annotated = [], 0
    try:
        for i, line in enumerate(lines):
            t0 = time.perf_counter()
            p.stdin.write((line + "\n").encode())
            p.stdin.flush()
            while True:  # skip "(inlined by)" lines until this input line's echo
                t1, out = q.get(timeout=timeout)
                if out is None:
                    raise RuntimeError("ksymbolize exited early")
                if out.startswith(line.rstrip()):
                    break
            if i in frames:
                lat.append(t1 - t0)
                annotated += out.rstrip() != line.rstrip()
        p.stdin.close()
        p.wait(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return lat, annotated


def first_answer_latency(cmd, prime, query, timeout=60.0):
    """A line-at-a-time reference tool (eu-addr2line) measured like W4: start it, write `prime` and wait
    for its answer (the process is up, nothing loaded for a real address yet), then the seconds from
    writing `query` to the first line of its answer."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    try:
        p.stdin.write((prime + "\n").encode())
        p.stdin.flush()
        p.stdout.readline()  # eu-addr2line -f: function line, then file:line
        p.stdout.readline()
        t0 = time.perf_counter()
        p.stdin.write((query + "\n").encode())
        p.stdin.flush()
        line = p.stdout.readline()
        t1 = time.perf_counter()
        if not line:
            raise RuntimeError("no answer")
        return t1 - t0
    finally:
        p.kill()
        p.wait()


# --------------------------------------------------------------------------- comparing answers

def parse_ks_text(text):
    """ksymbolize addr text output -> [[(function, file, line, col), ...] per input]."""
    answers, cur = [], None
    for line in text.splitlines():
        if not line.startswith(" "):
            cur = []
            answers.append(cur)
            continue
        m = re.match(r"\s+(?:\(inlined by\) )?(\S+) at (.*?):(\d+|\?)(?::(\d+))?$", line.rstrip())
        if m and cur is not None:
            ln = 0 if m.group(3) == "?" else int(m.group(3))
            cur.append((m.group(1), m.group(2), ln, int(m.group(4) or 0)))
    return answers


def parse_pairs(text, skip_first=False):
    """llvm-symbolizer / floor output: blocks separated by blank lines, (function, file:line:col) pairs."""
    answers = []
    for block in text.split("\n\n"):
        ls = [l for l in block.split("\n") if l != ""]
        if not ls:
            continue
        if skip_first:
            ls = ls[1:]
        cur = []
        for fn, loc in zip(ls[0::2], ls[1::2]):
            m = re.match(r"(.*?):(\d+)(?::(\d+))?$", loc)
            if m:
                cur.append((fn, m.group(1), int(m.group(2)), int(m.group(3) or 0)))
            else:
                cur.append((fn, loc, 0, 0))
        answers.append(cur)
    return answers


def parse_eu(text):
    """eu-addr2line -a -f -i output: "0xADDR" line, then (function[ inlined at ... in ...], file:line:col) pairs."""
    answers, cur, pending = [], None, None
    for line in text.splitlines():
        if re.match(r"0x[0-9a-f]+$", line):
            cur = []
            answers.append(cur)
            pending = None
        elif pending is None:
            pending = line.split(" inlined at ")[0]
        else:
            m = re.match(r"(.*?):(\d+)(?::(\d+))?$", line)
            cur.append((pending, m.group(1), int(m.group(2)), int(m.group(3) or 0)) if m else (pending, line, 0, 0))
            pending = None
    return answers


def norm_file(f):
    f = f.replace("/./", "/")
    f = re.sub(r"^.*?debian/build/build_amd64_none_amd64/", "", f)
    f = re.sub(r"^/build/reproducible-path/linux-[^/]+/", "", f)
    f = os.path.normpath(f) if f not in ("??", "") else f  # include/trace/../../drivers/x//y.h
    return f[2:] if f.startswith("./") else f


def strip_suffix(name):
    return re.sub(r"(\.(isra|constprop|part|cold|llvm)(\.\d+)?)+$", "", name)


def compare(addrs, ks, ref, sample, seed, ref_name):
    rng = random.Random(seed)
    idx = sorted(rng.sample(range(min(len(addrs), len(ks), len(ref))), min(sample, len(addrs))))
    diffs = []
    for i in idx:
        a = [(f, norm_file(p), l, c) for f, p, l, c in ks[i]]
        b = [(f, norm_file(p), l, c) for f, p, l, c in ref[i]]
        if a != b:
            fa, fb = [x[0] for x in a], [x[0] for x in b]
            kind = ("symbol suffix only (.isra/.constprop/.part/.cold)"
                    if [strip_suffix(x) for x in fa] == [strip_suffix(x) for x in fb] and fa != fb
                    and [x[1:3] for x in a] == [x[1:3] for x in b] else
                    "function" if fa != fb else
                    "file:line" if [x[1:3] for x in a] != [x[1:3] for x in b] else "column")
            diffs.append(dict(address=f"0x{addrs[i]:x}", kind=kind,
                              ksymbolize=[f"{f} at {p}:{l}:{c}" for f, p, l, c in a],
                              reference=[f"{f} at {p}:{l}:{c}" for f, p, l, c in b]))
    kinds = {}
    for d in diffs:
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    return dict(reference=ref_name, compared=len(idx), differing=len(diffs),
                rate=len(diffs) / max(len(idx), 1), by_kind=kinds,
                examples=sorted(diffs, key=lambda d: d["kind"].startswith("symbol suffix")))


# --------------------------------------------------------------------------- thresholds and report

def lookup_metric(results, th):
    case = results.get(th["workload"], {}).get(th["case"], {})
    if "tool" not in th:
        return case.get(th["metric"])
    return case.get("tools", {}).get(th["tool"], {}).get(th["metric"])


def check_thresholds(results):
    with open(os.path.join(BENCH, "thresholds.json")) as f:
        ths = json.load(f)["thresholds"]
    out = []
    for th in ths:
        v = lookup_metric(results, th)
        if v is None:
            status = "SKIP"
        elif "min" in th:
            status = "PASS" if v >= th["min"] else "FAIL"
        else:
            status = "PASS" if v <= th["max"] else "FAIL"
        out.append(dict(th, value=v, status=status))
    return out


def serve_only(args, rounds):
    """make bench BENCH_ARGS="--only SERVE": W-serve alone, its thresholds checked."""
    results = {"W-serve": serve.workload(build_ksymbolize(args), WORK, rounds)}
    results["thresholds"] = [th for th in check_thresholds(results) if th["workload"] == "W-serve"]
    print_serve(results)
    failed = 0
    for th in results["thresholds"]:
        print(f"{th['status']}  {th['id']}: {'-' if th['value'] is None else format(th['value'], '.2f')} "
              f"{'>= ' + str(th['min']) if 'min' in th else '<= ' + str(th['max'])}  ({th['text']})")
        failed += th["status"] == "FAIL"
    return 1 if (args.check and failed) else 0


def print_serve(results):
    for case, c in results.get("W-serve", {}).items():
        print(f"{'W-serve':<10} {case:<24} CLI per log {c['cli_median_ms']:.1f} ms, warm request "
              f"{c['warm_median_ms']:.2f} ms: {c['warm_speedup_median']:.1f}x (lowest {c['warm_speedup_min']:.1f}x); "
              f"{c['identical_to_cli']}/{c['cases']} answers identical to the CLI")
        for k in ("c1", "c8"):
            r = c[k]
            print(f"{'W-serve':<10} {case:<24} {k[1:]} client(s): {r['throughput']:.0f} req/s, p50 {r['p50_ms']:.2f} ms, "
                  f"p99 {r['p99_ms']:.2f} ms, server {r['server_cores_busy']:.2f} cores busy, {r['errors']} errors")
        print(f"{'W-serve':<10} {case:<24} 8 vs 1 client throughput {c['scaling_8_vs_1']:.2f}x; peak RSS "
              f"{c['peak_rss_mib']:.0f} MiB (bound: --cache-memory {c['cache_memory_mib']} MiB + {c['rss_constant_mib']} MiB)")


def print_table(results):
    print()
    print(f"{'workload':<10} {'case':<24} {'tool':<22} {'median s':>9} {'RSS MiB':>8} {'time ratio':>10} "
          f"{'RSS ratio':>9} {'rounds':>6}  note")
    print("-" * 120)
    for w in ("W1", "W2", "W3"):
        for case, c in results.get(w, {}).items():
            for name, st in c["tools"].items():
                if "time_s" not in st:
                    why = f"could not run: {st['unavailable']}" if st.get("unavailable") else st.get("note", "")
                    print(f"{w:<10} {case:<24} {name:<22} {'-':>9} {'-':>8} {'-':>10} {'-':>9} {0:>6}  {why}")
                    continue
                tr = f"{st['time_ratio']:.2f}x" if "time_ratio" in st else ""
                rr = f"{st['rss_ratio']:.2f}x" if "rss_ratio" in st else ""
                note = st.get("note", "")
                if st.get("errors"):
                    note = (note + "; " if note else "") + f"{len(st['errors'])} nonzero exit(s)"
                print(f"{w:<10} {case:<24} {name:<22} {st['time_s']:>9.3f} {st['rss_mib']:>8.0f} {tr:>10} "
                      f"{rr:>9} {st['rounds']:>6}  {note}")
    for case, c in results.get("W4", {}).items():
        if "first_ms" in c:
            print(f"{'W4':<10} {case:<24} {KS:<22} first frame {c['first_ms']:.1f} ms, steady median "
                  f"{c['steady_ms']:.2f} ms (p95 {c['steady_p95_ms']:.2f} ms, {c['frames']} frames x "
                  f"{c['rounds']} rounds, {c['annotated']} annotated)")
            if "eu_addr2line_first_ms" in c:
                print(f"{'W4':<10} {case:<24} {'eu-addr2line':<22} first answer {c['eu_addr2line_first_ms']:.1f} ms "
                      f"(same frame, process already up): ratio {c.get('first_ratio', 0):.2f}x")
        else:
            print(f"{'W4':<10} {case:<24} {KS:<22} could not run: {c.get('error')}")
    print_serve(results)
    print()
    print("time ratio = reference time / ksymbolize time (>1: ksymbolize faster); "
          "RSS ratio = reference peak RSS / ksymbolize peak RSS (>1: ksymbolize smaller)")


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 round, no 100,000-address case, fewer slow-tool frames")
    ap.add_argument("--rounds", type=int, help="rounds per case (default 3, --quick 1)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a threshold fails")
    ap.add_argument("--no-build", action="store_true", help="use the existing .build/release/ksymbolize")
    ap.add_argument("--ksymbolize", help="path of the ksymbolize binary to measure (implies --no-build)")
    ap.add_argument("--no-install", action="store_true", help="do not apt-get install missing packages")
    ap.add_argument("--slow-oopses", type=int, help="oopses given to decode_stacktrace.sh and faddr2line "
                    "(default 3, --quick 1)")
    ap.add_argument("--only", help="comma-separated workloads to run (W1,W2,W3,W4,SERVE)")
    ap.add_argument("--out", default=os.path.join(BENCH, "results", "latest.json"))
    args = ap.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    slow_oopses = args.slow_oopses or (1 if args.quick else 3)
    only = set((args.only or "W1,W2,W3,W4,SERVE").upper().split(","))
    os.makedirs(WORK, exist_ok=True)
    if only == {"SERVE"}:  # needs none of the reference tools, modules or symbol lists
        return serve_only(args, rounds)

    if not args.no_install:
        ensure_packages()
    ensure_scripts()
    vmlinux = script_path("samples/x86_64/fetch-vmlinux.sh")
    moddir = script_path("bench/fetch-modules.sh")
    ks_bin = build_ksymbolize(args)
    floor = build_floor()
    inp = os.path.join(WORK, "inputs")
    outdir = os.path.join(WORK, "outputs")
    os.makedirs(inp, exist_ok=True)
    os.makedirs(outdir, exist_ok=True)

    log("reading symbols")
    vfuncs = vmlinux_funcs(vmlinux)
    layout = module_layout(moddir)
    sections_file = os.path.join(inp, "sections.txt")
    write_sections(layout, sections_file)
    ks_addr = [ks_bin, "addr", "--vmlinux", vmlinux, "--kaslr-offset", "0"]
    ks_mod = ["--modules", moddir, "--module-sections", sections_file]
    llvm = shutil.which("llvm-symbolizer") or "llvm-symbolizer"
    results = dict(meta=dict(
        date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), rounds=rounds, quick=args.quick, seed=SEED,
        vmlinux=vmlinux, modules=moddir, ksymbolize=ks_bin,
        ksymbolize_commit=subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                         capture_output=True, text=True).stdout.strip(),
        ksymbolize_tree_dirty=bool(subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "Sources"],
                                                  capture_output=True, text=True).stdout.strip()),
        cpus=os.cpu_count(), host=os.uname().release,
        tools={t: subprocess.run([t, "--version"], capture_output=True, text=True).stdout.splitlines()[:2]
               for t in ("llvm-symbolizer", "eu-addr2line", "addr2line")}))
    ok0 = (0,)
    ok02 = (0, 2)

    # ---- W1: random vmlinux addresses
    if "W1" in only:
        results["W1"] = {}
        sizes = [1000, 10000] + ([] if args.quick else [100000])
        for n in sizes:
            log(f"W1: {n} vmlinux addresses")
            addrs = w1_addresses(vfuncs, n, SEED + n)
            path = write_lines(os.path.join(inp, f"w1-{n}.txt"), addrs)
            tools = [
                (KS, ks_addr, path, None, ok02, None),
                ("llvm-symbolizer", [llvm, f"--obj={vmlinux}", "--inlining", "--functions"], path, None, ok0, None),
                ("C floor (libdwfl)", [floor, vmlinux], path, None, ok0, None),
            ]
            if n <= 1000:
                tools.insert(2, ("eu-addr2line", ["eu-addr2line", "-f", "-i", "-e", vmlinux], path, None, ok0, None))
            case = os.path.join(outdir, f"w1-{n}")
            os.makedirs(case, exist_ok=True)
            res = bench_case(tools, rounds, save_dir=case)
            if n > 1000:
                res["eu-addr2line"] = dict(note="not run: ~1.6 ms per address (1,000 only)")
            entry = dict(addresses=n, tools=res)
            if n == 1000:
                try:
                    ks = parse_ks_text(open(os.path.join(case, KS + ".0")).read())
                    ref = parse_pairs(open(os.path.join(case, "llvm-symbolizer.0")).read())
                    fl = parse_pairs(open(os.path.join(case, "C_floor__libdwfl_.0")).read(), skip_first=True)
                    entry["agreement"] = [compare(addrs, ks, ref, n, SEED, "llvm-symbolizer"),
                                          compare(addrs, ks, fl, n, SEED, "C floor (libdwfl)")]
                    entry["identical_vs_llvm"] = 1 - entry["agreement"][0]["rate"]
                except (OSError, ValueError) as e:
                    entry["agreement"] = [dict(error=str(e))]
            results["W1"][f"{n} addresses"] = entry
            if n == 100000:
                log("W1: 100000 vmlinux addresses, ksymbolize on one thread, against the one-pass floor")
                tools = [
                    (KS, ks_addr + ["--threads", "1"], path, None, ok02, None),
                    ("C floor (one pass)", [floor, "--one-pass", vmlinux], path, None, ok0, None),
                ]
                res = bench_case(tools, rounds)
                res["C floor (one pass)"]["note"] = "decodes every line table, walks every DIE once, no lookups"
                res[KS]["note"] = "--threads 1"
                results["W1"]["100000 addresses, 1 thread"] = dict(addresses=n, tools=res)

    # ---- W2: oops logs
    n_oopses = 100
    faddrs = []
    lines, frame_idx, flist = w2_log(vfuncs, layout, n_oopses, 30, SEED, faddrs)
    log_path = write_lines(os.path.join(inp, "w2-100.log"), lines)
    per_oops = len(lines) // n_oopses
    sub_lines = lines[:per_oops * slow_oopses]
    sub_path = write_lines(os.path.join(inp, f"w2-{slow_oopses}.log"), sub_lines)
    sub_frames = [f for f in flist if f[0] < slow_oopses]
    ks_log = [ks_bin, "--vmlinux", vmlinux] + ks_mod
    if "W2" in only:
        results["W2"] = {}
        log(f"W2: {n_oopses} oopses, {len(flist)} frames")
        res = bench_case([(KS, lambda p: [(ks_log + [p], p)], log_path, None, ok02, None)], rounds,
                         save_dir=os.path.join(outdir, "w2"))
        for t, per in (("decode_stacktrace.sh", "~0.2"), ("faddr2line", "~1")):
            res[t] = dict(note=f"not run on 100 oopses: {per} s per frame; see 'script subset' ({slow_oopses} oopses)")
        results["W2"][f"{n_oopses} oopses"] = dict(oopses=n_oopses, frames=len(flist), tools=res)

        # One oops, whole process, against the line symbolizers on the same addresses.
        one_lines = lines[:per_oops]
        one_path = write_lines(os.path.join(inp, "w2-one.log"), one_lines)
        one = [(f, a) for f, a in zip(flist, faddrs) if f[0] == 0]
        per_obj = {}
        for (_k, _n, _o, _s, mod), a in one:
            per_obj.setdefault(mod, []).append(a)
        obj_inputs = {mod: write_lines(os.path.join(inp, f"w2-one-{mod or 'vmlinux'}.txt"), a)
                      for mod, a in per_obj.items()}
        order = [None] + [m for m in layout if m in per_obj]

        def per_object(make):
            return lambda _: [(make(mod), obj_inputs[mod]) for mod in order if mod in per_obj]

        def obj(mod):
            return vmlinux if mod is None else layout[mod]["path"]

        dec = os.path.join(SCRIPTS, "decode_stacktrace.sh")
        log(f"W2: one oops ({len(one)} frames, {len(per_obj)} objects), whole process")
        tools = [
            (KS, lambda p: [(ks_log + [p], p)], one_path, None, ok02, None),
            ("eu-addr2line", per_object(lambda m: ["eu-addr2line", "-f", "-i", "-e", obj(m)] if m is None else
                                        ["eu-addr2line", "-f", "-i", "-j", ".text", "-e", obj(m)]),
             one_path, None, ok0, None),
            ("llvm-symbolizer", per_object(lambda m: [llvm, f"--obj={obj(m)}", "--inlining", "--functions"]),
             one_path, None, ok0, None),
            ("decode_stacktrace.sh", lambda p: [(["bash", dec, vmlinux, "auto", moddir], p)], one_path, 1, ok0, 3600),
        ]
        res = bench_case(tools, rounds, save_dir=os.path.join(outdir, "w2-one"))
        for t in ("eu-addr2line", "llvm-symbolizer"):
            res[t]["note"] = "the oops's symbol+offset addresses (modules: .text offsets), one run per object, summed"
        res["decode_stacktrace.sh"]["note"] = "1 round"
        results["W2"]["1 oops"] = dict(oopses=1, frames=len(one), tools=res)

        log(f"W2: first {slow_oopses} oopses ({len(sub_frames)} frames) with the slow scripts")
        dec = os.path.join(SCRIPTS, "decode_stacktrace.sh")
        fa = os.path.join(SCRIPTS, "faddr2line")
        empty = write_lines(os.path.join(inp, "empty.txt"), [])

        def faddr2line_cmds(_):
            cmds = []
            for mod in [None] + list(layout):
                args_ = [f"{n}+0x{o:x}/0x{s:x}" for _k, n, o, s, m in sub_frames if m == mod]
                if args_:
                    obj = vmlinux if mod is None else layout[mod]["path"]
                    cmds.append((["bash", fa, obj] + args_, empty))
            return cmds

        tools = [
            (KS, lambda p: [(ks_log + [p], p)], sub_path, None, ok02, None),
            ("decode_stacktrace.sh", lambda p: [(["bash", dec, vmlinux, "auto", moddir], p)], sub_path, 1, ok0, 3600),
            ("faddr2line", faddr2line_cmds, sub_path, 1, ok0, 3600),
        ]
        res = bench_case(tools, rounds, save_dir=os.path.join(outdir, "w2-slow"))
        for t in ("decode_stacktrace.sh", "faddr2line"):
            res[t]["note"] = f"1 round; first {slow_oopses} oopses, {len(sub_frames)} frames"
        res["faddr2line"]["note"] += "; one run per object file, times summed"
        results["W2"]["script subset"] = dict(oopses=slow_oopses, frames=len(sub_frames), tools=res)

    # ---- W3: raw module addresses
    if "W3" in only:
        per = 1000
        log(f"W3: {per} raw addresses in each of {', '.join(layout)}")
        raw, rel, origin = w3_addresses(layout, per, SEED + 3)
        raw_path = write_lines(os.path.join(inp, "w3-raw.txt"), raw)
        rel_paths = {m: write_lines(os.path.join(inp, f"w3-{m}.txt"), rel[m]) for m in layout}

        def per_module(make):
            return lambda _: [(make(layout[m]["path"]), rel_paths[m]) for m in layout]

        tools = [
            (KS, ks_addr + ks_mod, raw_path, None, ok02, None),
            ("llvm-symbolizer", per_module(lambda ko: [llvm, f"--obj={ko}", "--inlining", "--functions"]),
             raw_path, None, ok0, None),
            ("eu-addr2line", per_module(lambda ko: ["eu-addr2line", "-a", "-f", "-i", "-j", ".text", "-e", ko]),
             raw_path, None, ok0, None),
        ]
        res = bench_case(tools, rounds, save_dir=os.path.join(outdir, "w3"))
        for t in ("llvm-symbolizer", "eu-addr2line"):
            if t in res:
                res[t]["note"] = ".text-relative offsets, one run per module (times summed): no relocation work"
        entry = dict(tools=res)
        try:  # ksymbolize (runtime addresses) against the references (.text offsets), same functions
            d = os.path.join(outdir, "w3")
            ks = parse_ks_text(open(os.path.join(d, KS + ".0")).read())
            entry["agreement"] = []
            for name, parse in (("eu-addr2line", parse_eu), ("llvm-symbolizer", parse_pairs)):
                by_mod = {m: parse(open(os.path.join(d, f"{name}.{j}")).read()) for j, m in enumerate(layout)}
                ref = [by_mod[m][i] if i < len(by_mod[m]) else [] for m, i in origin]
                entry["agreement"].append(compare(raw, ks, ref, 200, SEED, name))
        except (OSError, ValueError) as e:
            entry["agreement"] = [dict(error=str(e))]
        results["W3"] = {f"{per * len(layout)} module addresses": entry}

    # ---- W4: streaming latency
    if "W4" in only:
        n4 = 3
        w4_lines = lines[:per_oops * n4]
        w4_frames = [i for i in frame_idx if i < len(w4_lines)]
        log(f"W4: streaming {len(w4_lines)} lines ({len(w4_frames)} frames), {rounds} rounds")
        firsts, rest, annotated, err = [], [], 0, None
        for r in range(rounds):
            try:
                lat, annotated = w4_latency(ks_log, w4_lines, w4_frames)
            except Exception as e:  # noqa: BLE001 - reported in the table
                err = f"{type(e).__name__}: {e}"
                log(f"  W4: {err}")
                break
            firsts.append(lat[0])
            rest.extend(lat[1:])
            log(f"  round {r + 1}: first frame {lat[0] * 1000:.1f} ms, steady median "
                f"{statistics.median(lat[1:]) * 1000:.2f} ms")
        c = dict(frames=len(w4_frames), rounds=len(firsts), annotated=annotated)
        # eu-addr2line's first answer for the same first frame, measured the same way.
        _k, _n, _o, _s, mod0 = flist[0]
        eu_cmd = (["eu-addr2line", "-f", "-i", "-e", vmlinux] if mod0 is None else
                  ["eu-addr2line", "-f", "-i", "-j", ".text", "-e", layout[mod0]["path"]])
        eu_first = []
        for r in range(rounds):
            try:
                eu_first.append(first_answer_latency(eu_cmd, "0x0", f"0x{faddrs[0]:x}"))
                log(f"  round {r + 1}: eu-addr2line first answer {eu_first[-1] * 1000:.1f} ms")
            except Exception as e:  # noqa: BLE001 - reported in the table
                log(f"  eu-addr2line: {type(e).__name__}: {e}")
                break
        if eu_first:
            c["eu_addr2line_first_ms"] = statistics.median(eu_first) * 1000
        if firsts:
            rest.sort()
            c.update(first_ms=statistics.median(firsts) * 1000, steady_ms=statistics.median(rest) * 1000,
                     steady_p95_ms=rest[int(len(rest) * 0.95) - 1] * 1000, steady_max_ms=rest[-1] * 1000)
            if "eu_addr2line_first_ms" in c:
                c["first_ratio"] = c["eu_addr2line_first_ms"] / c["first_ms"]
        else:
            c["error"] = err
        results["W4"] = {f"{n4} oopses, line by line": c}

    # ---- W-serve: ksymbolize serve against the CLI per log (bench/serve.py)
    if "SERVE" in only:
        results["W-serve"] = serve.workload(ks_bin, WORK, rounds)

    results["thresholds"] = check_thresholds(results)
    print_table(results)
    agreements = [("W1", a) for a in results.get("W1", {}).get("1000 addresses", {}).get("agreement", [])]
    agreements += [("W3", a) for c in results.get("W3", {}).values() for a in c.get("agreement", [])]
    for w, a in agreements:
        if "error" in a:
            print(f"{w} agreement: {a['error']}")
            continue
        print(f"{w} agreement with {a['reference']}: {a['differing']}/{a['compared']} answers differ "
              f"({a['rate'] * 100:.1f}%) {a['by_kind']}")
        for d in a["examples"][:4]:
            print(f"  {d['address']} ({d['kind']}): ksymbolize {d['ksymbolize']} / {a['reference']} {d['reference']}")
    print()
    failed = 0
    for th in results["thresholds"]:
        v = th["value"]
        vs = "-" if v is None else f"{v:.2f}"
        bound = f">= {th['min']}" if "min" in th else f"<= {th['max']}"
        print(f"{th['status']}  {th['id']}: {vs} {bound}  ({th['text']})")
        failed += th["status"] == "FAIL"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print(f"\nresults: {os.path.relpath(args.out, ROOT)}")
    return 1 if (args.check and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
