#!/usr/bin/env python3
"""W-serve: `ksymbolize serve` against the command line run per log (see bench/README.md).

One server, no binary of its own but a build-id tree of the samples' kernels
(x86-64, ppc64el, s390x and the Thumb-2 build: four architectures); every
request carries its sample's log and snapshots (sections, kallsyms, notes),
as a tracker bot would. Measured:

- the CLI per log (whole process, same inputs as files), median of at least 7 runs;
- a warm request per log (one client, after one pass that loaded everything), median of at least
  21 posts on an open connection, timed by curl
  (Python's http.client would add its own ~0.3 ms to every request);
- both in interleaved rounds (every log's CLI run, then every log's 3 posts, then the next
  round), so that a slow spell of the machine cannot decide one log's ratio;
- throughput with 1 client and with 8 concurrent clients, p50/p99 latency;
- the server's peak RSS (VmHWM) against --cache-memory plus the documented constant.

Python 3 standard library only. Run alone: python3 bench/serve.py [--ksymbolize PATH] [--rounds N].
"""
import argparse
import base64
import http.client
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("KSYMBOLIZE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "ksymbolize")
SAMPLES = {"x86_64": "amd64", "ppc64el": "ppc64el", "s390x": "s390x", "arm-thumb2/fixed": None}
# README, Service: resident memory stays under --cache-memory plus this.
RSS_CONSTANT_MIB = 160
CACHE_MEMORY = 4 << 30


def log(msg):
    print(f"bench: W-serve: {msg}", file=sys.stderr, flush=True)


def build_id(notes_path):
    """The GNU build-id of an ELF note section saved as bytes (little or big endian)."""
    data = open(notes_path, "rb").read()
    for order in ("little", "big"):
        off = 0
        while off + 12 <= len(data):
            namesz, descsz, typ = (int.from_bytes(data[off + i:off + i + 4], order) for i in (0, 4, 8))
            name_end = off + 12 + ((namesz + 3) & ~3)
            if namesz > 64 or descsz > 1024:
                break
            if typ == 3 and data[off + 12:off + 12 + namesz].rstrip(b"\0") == b"GNU":
                return data[name_end:name_end + descsz].hex()
            off = name_end + ((descsz + 3) & ~3)
    raise ValueError(f"no build id in {notes_path}")


def vmlinux_of(directory, debian):
    if debian is None:
        path = os.path.join(CACHE, "samples", directory.replace("/", "-") + "-vmlinux")
        if not os.path.exists(path):
            subprocess.run(["bash", os.path.join(ROOT, "scripts", "prepare-samples.sh")], check=True, stdout=sys.stderr)
        return path
    return subprocess.run(["bash", os.path.join(ROOT, "samples", "fetch-vmlinux.sh"), debian], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def prepare(work):
    """The build-id tree and every case: its JSON body and the CLI's arguments."""
    tree = os.path.join(work, "serve-tree")
    cases = []
    for directory, debian in SAMPLES.items():
        sample = os.path.join(ROOT, "samples", directory)
        notes = os.path.join(sample, "notes")
        for target, note in ((vmlinux_of(directory, debian), os.path.join(notes, "kernel-notes")),
                             (os.path.join(sample, "crashmod.ko"), os.path.join(notes, "crashmod", "notes", ".note.gnu.build-id"))):
            ident = build_id(note)
            link = os.path.join(tree, ".build-id", ident[:2], ident[2:] + ".debug")
            os.makedirs(os.path.dirname(link), exist_ok=True)
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(target, link)
        for name in sorted(f[:-4] for f in os.listdir(sample) if f.endswith(".log")):
            base = os.path.join(sample, name)
            if not os.path.exists(base + ".sections"):
                continue
            doc = dict(log=open(base + ".log", newline="").read(), module_sections=open(base + ".sections", newline="").read(),
                       kernel_notes=base64.b64encode(open(os.path.join(notes, "kernel-notes"), "rb").read()).decode(),
                       module_notes=dict(crashmod=base64.b64encode(open(os.path.join(notes, "crashmod", "notes", ".note.gnu.build-id"), "rb").read()).decode()))
            args = ["--module-sections", base + ".sections", "--kernel-notes", os.path.join(notes, "kernel-notes"),
                    "--module-notes", notes]
            if os.path.exists(base + ".kallsyms"):
                doc["kallsyms"] = open(base + ".kallsyms", newline="").read()
                args += ["--kallsyms", base + ".kallsyms"]
            cases.append(dict(name=f"{directory}/{name}", body=json.dumps(doc).encode(), args=args + [base + ".log"]))
    return tree, cases


class Server:
    def __init__(self, ks, tree):
        self.proc = subprocess.Popen(
            [ks, "serve", "--listen", "127.0.0.1:0", "--debug-dir", tree, "--no-debuginfod", "--no-live",
             "--cache-memory", str(CACHE_MEMORY)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=dict(os.environ, LOG_LEVEL="warning"))
        line = self.proc.stdout.readline()
        if "listening on http://127.0.0.1:" not in line:
            raise RuntimeError(f"ksymbolize serve did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def status(self, field):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def cpu_seconds(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def post(conn, body):
    t0 = time.perf_counter()
    conn.request("POST", "/v1/symbolize", body=body, headers={"Content-Type": "application/json"})
    reply = conn.getresponse()
    data = reply.read()
    if reply.status != 200:
        raise RuntimeError(f"HTTP {reply.status}: {data[:200]!r}")
    return time.perf_counter() - t0, data, reply.getheader("Ksymbolize-Status")


def timed_posts(port, body_file, count, work):
    """`count` posts of one body in a row, on one connection of curl's (as the throughput runs use):
    each one's time from the request's start to the answer's last byte, as curl measures it. One
    post before them opens the connection and is not counted: a request on an open connection is
    what a tracker bot's client makes."""
    config = os.path.join(work, "serve-curl-one.conf")
    with open(config, "w") as f:
        f.write("next\n".join(f'url = "http://127.0.0.1:{port}/v1/symbolize"\ndata-binary = "@{body_file}"\n'
                               'header = "Content-Type: application/json"\noutput = "/dev/null"\n'
                               'write-out = "%{http_code} %{time_total}\\n"\n' for _ in range(count + 1)))
    out = subprocess.run(["curl", "-sS", "--no-progress-meter", "-K", config], capture_output=True, text=True)
    times = [float(line.split()[1]) for line in out.stdout.splitlines() if line.startswith("200 ")]
    if len(times) != count + 1:
        raise RuntimeError(f"curl: {count + 1 - len(times)} of {count + 1} posts failed: {out.stderr[:200]!r}")
    return times[1:]


def replay(port, cases, passes, clients, work):
    """`clients` concurrent transfers (curl's own, so that the client takes little of the CPUs the
    server shares), every case posted `passes` times by each, in turn: wall time, latencies, errors."""
    transfers = []
    for p in range(passes):
        for i in range(clients):
            start = (i + p) % len(cases)
            for case in cases[start:] + cases[:start]:
                transfers.append(f'url = "http://127.0.0.1:{port}/v1/symbolize"\ndata-binary = "@{case["file"]}"\n'
                                 'header = "Content-Type: application/json"\noutput = "/dev/null"\n'
                                 'write-out = "%{http_code} %{time_total}\\n"\n')
    config = os.path.join(work, "serve-curl.conf")
    with open(config, "w") as f:
        f.write("next\n".join(transfers))
    t0 = time.perf_counter()
    out = subprocess.run(["curl", "-sS", "--no-progress-meter", "--parallel", "--parallel-immediate", "--parallel-max", str(clients), "-K", config],
                         capture_output=True, text=True)
    wall = time.perf_counter() - t0
    latencies, errors = [], []
    for line in out.stdout.splitlines():
        code, seconds = line.split()
        if code == "200":
            latencies.append(float(seconds))
        else:
            errors.append(f"HTTP {code}")
    errors += [line for line in out.stderr.splitlines() if line.startswith("curl:")]
    return wall, sorted(latencies), errors


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def workload(ks, work, rounds=3):
    tree, cases = prepare(work)
    for i, case in enumerate(cases):
        case["file"] = os.path.join(work, f"serve-body-{i}.json")
        with open(case["file"], "wb") as f:
            f.write(case["body"])
    log(f"{len(cases)} sample logs of {len(SAMPLES)} kernels")
    server = Server(ks, tree)
    result = dict(cases=len(cases), cache_memory_mib=CACHE_MEMORY >> 20, rss_constant_mib=RSS_CONSTANT_MIB)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        # Cold: the first pass loads every kernel; the answers must be the CLI's.
        t0 = time.perf_counter()
        mismatches = 0
        for case in cases:
            _, body, status = post(conn, case["body"])
            cli = subprocess.run([ks, "--no-live", "--debug-dir", tree, "--no-debuginfod"] + case["args"],
                                 capture_output=True)
            mismatches += body != cli.stdout or status != str(cli.returncode)
        result["identical_to_cli"] = len(cases) - mismatches
        result["differing_from_cli"] = mismatches
        log(f"cold pass (and the CLI once per log): {time.perf_counter() - t0:.1f} s, {mismatches} answers differ")
        # The CLI per log against a warm request for the same log, in interleaved rounds: each round
        # runs every log's CLI once, then posts every log's body 3 times, so that a slow spell of the
        # machine (its speed drifts by +-15 %) falls on a few samples of every log, never on all
        # samples of one. The posts of a round follow one another as a tracker bot's stream of
        # different logs would; a CLI process run between two posts would time the CPU caches it
        # evicted, not the service. At least 7 rounds: 7 CLI runs and 21 warm posts a log (the
        # threshold takes the least of 27 ratios, which few samples pull down by chance).
        cli_samples = [[] for _ in cases]
        warm_samples = [[] for _ in cases]
        for _ in range(max(rounds, 7)):
            for i, case in enumerate(cases):
                t1 = time.perf_counter()
                subprocess.run([ks, "--no-live", "--debug-dir", tree, "--no-debuginfod"] + case["args"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                cli_samples[i].append(time.perf_counter() - t1)
            for i, case in enumerate(cases):
                warm_samples[i] += timed_posts(server.port, case["file"], 3, work)
        cli_times = [statistics.median(samples) for samples in cli_samples]
        warm_times = [statistics.median(samples) for samples in warm_samples]
        ratios = [cli / warm for cli, warm in zip(cli_times, warm_times)]
        result.update(cli_median_ms=statistics.median(cli_times) * 1000, warm_median_ms=statistics.median(warm_times) * 1000,
                      warm_speedup_min=min(ratios), warm_speedup_median=statistics.median(ratios))
        lowest = sorted(zip(ratios, cli_times, warm_times, (case["name"] for case in cases)))[:3]
        result["warm_speedup_lowest"] = [dict(log=name, speedup=ratio, cli_ms=cli * 1000, warm_ms=warm * 1000)
                                         for ratio, cli, warm, name in lowest]
        log(f"CLI per log {result['cli_median_ms']:.1f} ms, warm request {result['warm_median_ms']:.2f} ms (median): "
            f"{result['warm_speedup_median']:.1f}x (lowest {result['warm_speedup_min']:.1f}x)")
        log("lowest: " + ", ".join(f"{name} {ratio:.1f}x ({cli * 1000:.1f} / {warm * 1000:.2f} ms)" for ratio, cli, warm, name in lowest))
        passes = 4 * rounds
        for clients in (1, 8):
            cpu0 = server.cpu_seconds()
            wall, lat, errors = replay(server.port, cases, passes if clients == 1 else max(1, passes // 2), clients, work)
            cpu = server.cpu_seconds() - cpu0
            key = f"c{clients}"
            result[key] = dict(requests=len(lat), errors=len(errors), seconds=wall, throughput=len(lat) / wall,
                               p50_ms=percentile(lat, 0.5) * 1000, p99_ms=percentile(lat, 0.99) * 1000,
                               server_cores_busy=cpu / wall)
            log(f"{clients} client(s): {len(lat)} requests in {wall:.1f} s, {len(lat) / wall:.0f}/s, "
                f"p50 {result[key]['p50_ms']:.2f} ms, p99 {result[key]['p99_ms']:.2f} ms, "
                f"server busy {cpu / wall:.2f} cores{', errors: ' + errors[0] if errors else ''}")
        result["scaling_8_vs_1"] = result["c8"]["throughput"] / result["c1"]["throughput"]
        peak = server.status("VmHWM")
        result["peak_rss_mib"] = peak / (1 << 20)
        result["rss_bound_ratio"] = ((CACHE_MEMORY >> 20) + RSS_CONSTANT_MIB) / result["peak_rss_mib"]
        log(f"peak RSS {result['peak_rss_mib']:.0f} MiB (bound {(CACHE_MEMORY >> 20) + RSS_CONSTANT_MIB} MiB); "
            f"8 clients / 1 client throughput {result['scaling_8_vs_1']:.2f}x")
    finally:
        server.stop()
    return {"8 clients, sample logs": result}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ksymbolize", default=os.path.join(ROOT, ".build", "release", "ksymbolize"))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    work = os.path.join(CACHE, "bench")
    os.makedirs(work, exist_ok=True)
    print(json.dumps(workload(os.path.abspath(args.ksymbolize), work, args.rounds), indent=1))


if __name__ == "__main__":
    main()
