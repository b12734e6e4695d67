#!/usr/bin/env python3
"""Issue 12's ratios: a psapguard command against the raw YAML parse of the same files.

    python3 benches/ratios.py NAME BIN[,BIN...] check|diff TABLE [TABLE]

Three rounds; each round runs the floor (`examples/parse_floor`, saphyr-parser's raw event
stream, summed over the table's files: the serial floor) and then every BIN's command with
`--format json` under `/usr/bin/time`. Prints, per BIN: wall time, its ratio to the median
floor, and the peak resident memory against the table's size (a diff's against one table).
Build first: `cargo build --release --examples --bin psapguard`.
"""
import glob
import os
import re
import statistics
import subprocess
import sys

FLOOR = os.path.join(os.path.dirname(__file__), "..", "target", "release", "examples", "parse_floor")


def files_of(table):
    return sorted(glob.glob(os.path.join(table, "*.yaml"))) if os.path.isdir(table) else [table]


def floor(files):
    out = subprocess.run([FLOOR] + files, capture_output=True, text=True, check=True).stdout
    return sum(float(s) for s in re.findall(r"in ([0-9.]+)s", out))


def run(command):
    done = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + command, capture_output=True, text=True)
    last = [l for l in done.stderr.splitlines() if re.fullmatch(r"[0-9.]+ [0-9]+", l)][-1]
    wall, kb = last.split()
    return float(wall), int(kb) / 1024


def main():
    name, bins, command, tables = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4:]
    size = sum(os.path.getsize(f) for f in files_of(tables[0]))
    floors, results = [], {b: [] for b in bins}
    for _ in range(3):
        floors.append(sum(floor(files_of(t)) for t in tables))
        for b in bins:
            results[b].append(run([b, command, "--format", "json"] + tables))
    f = statistics.median(floors)
    for b in bins:
        walls = [w for w, _ in results[b]]
        peaks = [m for _, m in results[b]]
        print(
            f"{name} | {os.path.basename(b)} | {size / 1e6:.0f} MB | floor {min(floors):.2f}-{max(floors):.2f} s"
            f" | {command} {min(walls):.2f}-{max(walls):.2f} s | {min(walls) / f:.2f}-{max(walls) / f:.2f}x"
            f" (median {statistics.median(walls) / f:.2f}x) | peak {min(peaks):.0f}-{max(peaks):.0f} MB"
            f" = {statistics.median(peaks) * 1048576 / size:.2f}x the file"
        )


if __name__ == "__main__":
    main()
