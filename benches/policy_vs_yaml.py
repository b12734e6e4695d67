#!/usr/bin/env python3
"""Checking a national table routed by NENA i3 policies against the same table routed by
YAML rules (SPEC §9, issue 25 item 6), side by side in one run.

    cargo build --release --locked --examples --bin psapguard
    python3 benches/policy_vs_yaml.py [--origins 1000000] [--runs 3] [--dir /tmp/pvy] [--keep]

`gen_table --gis --policies` writes both forms from one seed: the policy-routed table
(`us.yaml`, ESRP queues and a policy store `us-policies/`, one PolicyArray per state) and its
twin routed by YAML rules (`us-yaml.yaml`) — the same PSAPs, origins, locations and boundary
layer (`us-gis.gpkg`). Each is checked with `/usr/bin/time -v target/release/psapguard check
--statistics`, alternately, `--runs` times; the table shows the median wall time and peak RSS of
each, their ratios against the targets (1.5x time, 1.3x memory), and the branches (kinds of
call and time slices) the policy check explored, from its statistics.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

TIME_TARGET = 1.5
MEMORY_TARGET = 1.3


def generate(args):
    out = os.path.join(args.dir, "us.yaml")
    if not os.path.exists(out):
        os.makedirs(args.dir, exist_ok=True)
        cmd = [os.path.join(args.target, "examples", "gen_table"), "--origins", str(args.origins),
               "--gis", "--policies", "--out", out]
        subprocess.run(cmd, check=True)
    return {"policies": out, "yaml": os.path.join(args.dir, "us-yaml.yaml")}


def size(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    return os.path.getsize(path)


def check(args, table):
    """One timed check: (wall seconds, peak RSS in MB, exit code, statistics text)."""
    cmd = ["/usr/bin/time", "-v", os.path.join(args.target, "psapguard"), "check", table, "--statistics"]
    run = subprocess.run(cmd, capture_output=True, text=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", run.stderr)
    h, m, s = wall.groups()
    seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1)) / 1024
    return seconds, rss, run.returncode, run.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--origins", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--dir", default="/tmp/policy-vs-yaml")
    p.add_argument("--target", default="target/release")
    args = p.parse_args()
    args.dir = os.path.join(args.dir, str(args.origins))
    tables = generate(args)
    measured = {form: [] for form in tables}
    stats = {}
    for _ in range(args.runs):
        for form, table in tables.items():
            seconds, rss, code, text = check(args, table)
            if code not in (0, 1):
                sys.exit(f"psapguard check {table} exited {code}:\n{text}")
            measured[form].append((seconds, rss))
            stats[form] = (code, text)
    med = {form: (statistics.median(s for s, _ in m), statistics.median(r for _, r in m))
           for form, m in measured.items()}
    files = {"yaml": size(tables["yaml"]),
             "policies": size(tables["policies"]) + size(tables["policies"][:-5] + "-policies")}
    gpkg = size(tables["policies"][:-5] + "-gis.gpkg")
    checked = re.search(r"checked ([\d,]+) origins", stats["policies"][1])
    located = checked.group(1) if checked else f"{args.origins:,}"
    print(f"{located} located origins (--origins {args.origins}), median of {args.runs} runs; "
          f"boundary layer {gpkg / 1e6:.1f} MB (both)")
    print(f"{'routing':<10} {'table files':>12} {'wall':>9} {'peak RSS':>10} {'exit':>5}")
    for form in ("yaml", "policies"):
        seconds, rss = med[form]
        print(f"{form:<10} {files[form] / 1e6:>9.1f} MB {seconds:>8.2f}s {rss:>7.0f} MB {stats[form][0]:>5}")
    time_ratio = med["policies"][0] / med["yaml"][0]
    memory_ratio = med["policies"][1] / med["yaml"][1]
    verdict = lambda r, t: "met" if r <= t else "MISSED"
    print(f"ratio      time {time_ratio:.2f}x (target {TIME_TARGET}x: {verdict(time_ratio, TIME_TARGET)}), "
          f"peak memory {memory_ratio:.2f}x (target {MEMORY_TARGET}x: {verdict(memory_ratio, MEMORY_TARGET)})")
    for form in ("yaml", "policies"):
        for line in stats[form][1].splitlines():
            if line.startswith(("branches", "ok:", "FAIL:", "routing")):
                print(f"{form}: {line}")


if __name__ == "__main__":
    main()
