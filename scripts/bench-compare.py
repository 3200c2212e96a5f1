#!/usr/bin/env python3
"""Runs scripts/bench.py for one or more parley binaries, alternating them (A B A B ...), and
prints each binary's medians: CPU per turn, peak RSS, wall time and, with --peer, the peer's CPU per
turn and the ratio to it.

On a shared or virtual machine the speed drifts by tens of percent over minutes; alternating keeps
the comparison fair, and medians keep one slow or one lucky run from moving it. Everything after
the binaries' options is passed to bench.py (--conversations, --concurrency, --peer, ...).

  scripts/bench-compare.py --runs 5 /tmp/parley-before .build/release/parley -- --conversations 1000 --concurrency 1000

Run directories go to $TMPDIR as bench.py's do; pointing it at a tmpfs (TMPDIR=/dev/shm) keeps the
file system's state (thousands of files a previous run created and deleted) out of the figures.

--drop-caches (root) empties the page cache before every run. The executable's pages a run touches
count in its peak RSS, and how many the kernel maps per touch depends on how the file came into
the cache: a binary the linker or `cp` just wrote is held in larger blocks than one read from disk,
and measured 2 MB more on `parley --help` than the same bytes read back. Without the option,
compare binaries that came into the cache the same way.
"""
import argparse, json, os, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs of each binary (default 5)")
    ap.add_argument("--drop-caches", action="store_true",
                    help="empty the page cache before every run (root; see above)")
    ap.add_argument("binaries", nargs="+", help="parley binaries to compare")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:split])
    bench_args = argv[split + 1:]
    missing = [b for b in args.binaries if not os.access(b, os.X_OK)]
    if missing:
        ap.error(f"not an executable: {', '.join(missing)}")
    rows = {b: [] for b in args.binaries}
    for run in range(args.runs):
        for binary in args.binaries:
            if args.drop_caches:
                os.sync()
                with open("/proc/sys/vm/drop_caches", "w") as caches:
                    caches.write("3\n")
            command = [sys.executable, os.path.join(HERE, "bench.py"), "--binary", binary, *bench_args]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0 or "{" not in done.stdout:
                sys.exit(f"bench.py failed for {binary}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
            result = json.loads(done.stdout[done.stdout.index("{"):])
            if result["failed"] or result["errors"]:
                sys.exit(f"{binary}: {result['failed']} failed and {result['errors']} errors; no figures from a broken run")
            rows[binary].append(result)
            peer = result.get("peer", {})
            print(f"run {run + 1}: {binary}: {result['cpu_us_per_turn']} µs/turn, {result['peak_rss_mb']} MB, "
                  f"wall {result['wall_s']} s" + (f", peer {peer['cpu_us_per_turn']} µs/turn" if peer else ""),
                  file=sys.stderr, flush=True)
    summary = {}
    for binary, results in rows.items():
        def spread(values):
            values = [v for v in values if v is not None]
            return {"median": round(statistics.median(values), 3), "min": min(values), "max": max(values)} if values else None
        summary[binary] = {
            "runs": len(results),
            "cpu_us_per_turn": spread([r["cpu_us_per_turn"] for r in results]),
            "peak_rss_mb": spread([r["peak_rss_mb"] for r in results]),
            "wall_s": spread([r["wall_s"] for r in results]),
            "peer_cpu_us_per_turn": spread([r.get("peer", {}).get("cpu_us_per_turn") for r in results]),
            "peer_peak_rss_mb": spread([r.get("peer", {}).get("peak_rss_mb") for r in results]),
            "cpu_ratio_to_peer": spread([r.get("cpu_ratio_to_peer") for r in results]),
        }
    if len(args.binaries) == 2:
        a, b = args.binaries
        pairs = [x["cpu_us_per_turn"] / y["cpu_us_per_turn"] for x, y in zip(rows[a], rows[b])]
        summary["cpu_ratio_first_to_second"] = round(statistics.median(pairs), 3)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
