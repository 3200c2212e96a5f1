#!/usr/bin/env python3
"""Parley's throughput benchmark.

Starts `parley sandbox` (its own process) with a fixed reply latency, generates a suite of
user-first conversations of N turns, runs it with `parley run` against the sandbox's Amigo
protocol, and reports: conversations, turns, wall time against the ideal floor
(turns x latency / concurrency), Parley's CPU time per turn (user + system, the parley process
only) and its peak resident memory.

  scripts/bench.py --conversations 1000 --turns 10 --latency-ms 100 --concurrency 1000
  scripts/bench.py --rate-limited --conversations 200 --turns 10 --rate-scale 60

With --rate-limited the sandbox enforces Amigo's documented per-minute limits times --rate-scale
(60-second windows) and Parley keeps its documented client-side limits: the floor is then the
rate-limit floor, the busiest endpoint's requests spread over whole windows.
"""
import argparse, json, math, os, resource, shutil, signal, subprocess, sys, tempfile, time

DOCUMENTED = {"signin": 5, "create": 5, "interact": 15, "finish": 5}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.abspath(".build/release/parley"))
    ap.add_argument("--conversations", type=int, default=1000)
    ap.add_argument("--turns", type=int, default=10)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=1000)
    ap.add_argument("--rate-limited", action="store_true")
    ap.add_argument("--rate-scale", type=float, default=60)
    ap.add_argument("--keep", action="store_true", help="keep the generated suite and run directory")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="parley-bench-")
    sandbox_args = [args.binary, "sandbox", "--port", "0", "--latency", f"{args.latency_ms}ms"]
    if args.rate_limited:
        sandbox_args += ["--rate-limits", "documented", "--rate-scale", str(args.rate_scale)]
    sandbox = subprocess.Popen(sandbox_args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = sandbox.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        users = min(args.concurrency, args.conversations)
        write_suite(work, port, args, users)
        command = [args.binary, "run", "flows", "--out", "run", "-j", str(args.concurrency),
                   "--repeat", str(args.conversations), "--seed", "1"]
        sandbox_before = process_cpu(sandbox.pid)
        started = time.monotonic()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run = subprocess.run(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        sandbox_cpu = process_cpu(sandbox.pid) - sandbox_before
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait(timeout=30)

    summary = json.load(open(os.path.join(work, "run", "summary.json")))
    turns = args.conversations * args.turns
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss_mb = after.ru_maxrss / 1024
    latency_floor = turns * args.latency_ms / 1000 / args.concurrency
    result = {
        "conversations": args.conversations, "turns": turns, "concurrency": args.concurrency,
        "latency_ms": args.latency_ms, "passed": summary["passed"], "failed": summary["failed"], "errors": summary["errors"],
        "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "cpu_us_per_turn": round(cpu / turns * 1e6, 1),
        "peak_rss_mb": round(rss_mb, 1), "sandbox_cpu_s": round(sandbox_cpu, 3), "exit": run.returncode,
    }
    if args.rate_limited:
        requests = {"create": args.conversations, "interact": args.conversations * (args.turns - 1),
                    "finish": args.conversations, "signin": min(args.concurrency, args.conversations)}
        windows = {k: math.ceil(n / (DOCUMENTED[k] * args.rate_scale)) - 1 for k, n in requests.items()}
        busiest = max(windows, key=windows.get)
        floor = max(windows[busiest] * 60.0, latency_floor)
        result.update({"rate_limit_floor_s": floor, "busiest_endpoint": busiest, "wall_over_floor": round(wall / floor, 3) if floor else None,
                       "rate_limit_errors": sum(1 for l in open(os.path.join(work, "run", "results.jsonl"))
                                                if "rate-limited" in l)})
    else:
        result.update({"floor_s": latency_floor, "wall_over_floor": round(wall / latency_floor, 3)})
    print(json.dumps(result, indent=2))
    if run.returncode != 0:
        print(run.stdout[-2000:], run.stderr[-2000:], file=sys.stderr)
    if args.keep:
        print(f"suite and run directory kept in {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)


def process_cpu(pid):
    """User + system CPU seconds of a running process (the sandbox), from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_suite(work, port, args, users):
    os.makedirs(os.path.join(work, "flows"))
    user_ids = "\n".join(f"      - 5a4db0c0ffee{n:012x}" for n in range(1, users + 1))
    limits = "" if args.rate_limited else "    rate_limits: off\n"
    with open(os.path.join(work, "parley.yaml"), "w") as f:
        f.write(f"""default_target: bench
targets:
  bench:
    provider: amigo
    base_url: http://127.0.0.1:{port}
    organization: parley-sandbox
    api_key: sandbox-amigo-api-key
    api_key_id: sandbox-amigo-key-id
    service_id: 5a4db0c0ffee00000000c0de
{limits}    user_ids:
{user_ids}
""")
    # Turns alternate between questions the demo agent answers without ending the conversation.
    steps = []
    for turn in range(args.turns):
        if turn % 2 == 0:
            steps += ["  - send: Where is my order?", "  - expect: /order number/i"]
        else:
            steps += ["  - send: ORD-1042", "  - expect: status of order ORD-1042"]
    with open(os.path.join(work, "flows", "bench.yaml"), "w") as f:
        f.write("flow: bench\nturn_timeout: 60s\nsteps:\n" + "\n".join(steps) + "\n")


if __name__ == "__main__":
    main()
