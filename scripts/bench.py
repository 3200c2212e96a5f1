#!/usr/bin/env python3
"""Parley's throughput benchmark.

Starts `parley sandbox` (its own process) with a fixed reply latency, generates a suite of
user-first conversations of N turns, runs it with `parley run` against the sandbox's Amigo
protocol, and reports: conversations, turns, wall time against the ideal floor
(turns x latency / concurrency), Parley's CPU time per turn (user + system, the parley process
only, and each of the two apart) and its peak resident memory.

  scripts/bench.py --conversations 1000 --turns 10 --latency-ms 100 --concurrency 1000
  scripts/bench.py --rate-limited --conversations 200 --turns 10 --rate-scale 60

With --rate-limited the sandbox enforces Amigo's documented per-minute limits times --rate-scale
(60-second windows) and Parley keeps its documented client-side limits: the floor is then the
rate-limit floor, the busiest endpoint's requests spread over whole windows.

With --peer, the same invocation also compiles scripts/bench-peer.c (cc and libcurl's pkg-config
files needed) and runs it against the same sandbox after Parley: a C program on libcurl's multi
interface that makes the same HTTP exchanges for the same suite (the same number of users and
sign-ins, creates, interacts and finishes, at the same concurrency) and nothing else. It is the
floor of the HTTP stack Parley needs; the report gives its CPU per turn and peak RSS beside
Parley's, and cpu_ratio_to_peer. A peer that made fewer exchanges than the suite has is an error.

  scripts/bench.py --peer --conversations 1000 --turns 10 --latency-ms 100 --concurrency 100
"""
import argparse, json, math, os, shlex, shutil, signal, subprocess, sys, tempfile, time

DOCUMENTED = {"signin": 5, "create": 5, "interact": 15, "finish": 5}
# The suite's turns alternate between these questions, which the demo agent answers without
# ending the conversation. The peer sends the same ones.
MESSAGES = ("Where is my order?", "ORD-1042")
EXPECTS = ("/order number/i", "status of order ORD-1042")
TARGET = {"organization": "parley-sandbox", "api_key": "sandbox-amigo-api-key", "api_key_id": "sandbox-amigo-key-id",
          "service_id": "5a4db0c0ffee00000000c0de"}
# Users are this prefix and a 12-hex-digit number. The peer's users are others than Parley's, so
# that a conversation Parley left open cannot refuse the peer's create.
USER_PREFIX, PEER_USER_PREFIX = "5a4db0c0ffee", "5a4db0c0beef"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.abspath(".build/release/parley"))
    ap.add_argument("--conversations", type=int, default=1000)
    ap.add_argument("--turns", type=int, default=10)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=1000)
    ap.add_argument("--rate-limited", action="store_true")
    ap.add_argument("--rate-scale", type=float, default=60)
    ap.add_argument("--peer", action="store_true", help="also run the C/libcurl peer (scripts/bench-peer.c) and compare")
    ap.add_argument("--keep", action="store_true", help="keep the generated suite and run directory")
    args = ap.parse_args()
    if args.peer and args.rate_limited:
        ap.error("--peer has no client-side rate limits: use it without --rate-limited")

    work = tempfile.mkdtemp(prefix="parley-bench-")
    peer_binary = compile_peer(work) if args.peer else None
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
        run = run_measured(command, work, "parley")
        sandbox_cpu = process_cpu(sandbox.pid) - sandbox_before
        if peer_binary:
            peer_command = [peer_binary, f"http://127.0.0.1:{port}", TARGET["organization"], TARGET["api_key"], TARGET["api_key_id"],
                            TARGET["service_id"], PEER_USER_PREFIX, str(args.conversations), str(args.turns),
                            str(args.concurrency), *MESSAGES]
            sandbox_before = process_cpu(sandbox.pid)
            peer = run_measured(peer_command, work, "peer")
            peer["sandbox_cpu_s"] = process_cpu(sandbox.pid) - sandbox_before
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait(timeout=30)

    summary = json.load(open(os.path.join(work, "run", "summary.json")))
    turns = args.conversations * args.turns
    cpu = run["cpu_s"]
    rss_mb = run["peak_rss_mb"]
    wall = run["wall_s"]
    latency_floor = turns * args.latency_ms / 1000 / args.concurrency
    result = {
        "conversations": args.conversations, "turns": turns, "concurrency": args.concurrency,
        "latency_ms": args.latency_ms, "passed": summary["passed"], "failed": summary["failed"], "errors": summary["errors"],
        "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "cpu_us_per_turn": round(cpu / turns * 1e6, 1),
        "user_us_per_turn": round(run["user_s"] / turns * 1e6, 1), "sys_us_per_turn": round(run["sys_s"] / turns * 1e6, 1),
        "peak_rss_mb": round(rss_mb, 1), "sandbox_cpu_s": round(sandbox_cpu, 3), "exit": run["exit"],
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
    peer_failed = False
    if peer_binary:
        peer_failed = compare_peer(result, peer, args, users, latency_floor)
    print(json.dumps(result, indent=2))
    if run["exit"] != 0:
        print(run["stdout"][-2000:], run["stderr"][-2000:], file=sys.stderr)
    if peer_failed:
        print(f"peer: {result['peer']['error']}", peer["stderr"][-2000:], file=sys.stderr)
    if args.keep:
        print(f"suite and run directory kept in {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    if peer_failed:
        sys.exit(1)


def compile_peer(work):
    """Builds scripts/bench-peer.c into the work directory (before the sandbox starts, so the
    compiler's time and memory are nobody's)."""
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-peer.c")
    binary = os.path.join(work, "bench-peer")
    try:
        curl = subprocess.run(["pkg-config", "--cflags", "--libs", "libcurl"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"bench.py: --peer needs pkg-config and libcurl's development files (libcurl4-openssl-dev): {error}")
    cc = os.environ.get("CC", "cc")
    build = subprocess.run([cc, "-O2", "-Wall", "-Wextra", "-o", binary, source, *shlex.split(curl)], capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit(f"bench.py: compiling {source} failed:\n{build.stderr}")
    return binary


def run_measured(command, cwd, name):
    """Runs one command to its end; its wall time, and the CPU time and peak RSS of that process
    alone (wait4's accounting, not RUSAGE_CHILDREN, which mixes in every child reaped before).
    Output goes to files, not pipes, so a chatty process cannot block on a full pipe."""
    out_path, err_path = (os.path.join(cwd, f".{name}.{stream}") for stream in ("stdout", "stderr"))
    with open(out_path, "w") as out, open(err_path, "w") as err:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "user_s": usage.ru_utime, "sys_s": usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "exit": process.returncode, "stdout": open(out_path).read(), "stderr": open(err_path).read()}


def compare_peer(result, peer, args, users, latency_floor):
    """Adds the peer's figures and the ratios to the result; true if the peer fell short of the
    suite's exchanges (then there is no ratio: a peer that did less work is no floor)."""
    turns = args.conversations * args.turns
    expected = {"signins": users, "creates": args.conversations, "interacts": args.conversations * (args.turns - 1),
                "finishes": args.conversations}
    try:
        counts = json.loads(peer["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        counts = {}
    short = {k: (counts.get(k), n) for k, n in expected.items() if not isinstance(counts.get(k), int) or counts[k] < n}
    # wait4's peak for a child of this script is at least this script's own (exec keeps the larger
    # of the two), which for the small peer is the larger; the peer reads its own from the kernel.
    if isinstance(counts.get("peak_rss_kb"), int) and counts["peak_rss_kb"] > 0:
        peer["peak_rss_mb"] = counts["peak_rss_kb"] / 1024
    summary = {
        "wall_s": round(peer["wall_s"], 3), "cpu_s": round(peer["cpu_s"], 3),
        "cpu_us_per_turn": round(peer["cpu_s"] / turns * 1e6, 1),
        "user_us_per_turn": round(peer["user_s"] / turns * 1e6, 1), "sys_us_per_turn": round(peer["sys_s"] / turns * 1e6, 1),
        "peak_rss_mb": round(peer["peak_rss_mb"], 1),
        "sandbox_cpu_s": round(peer["sandbox_cpu_s"], 3), "wall_over_floor": round(peer["wall_s"] / latency_floor, 3),
        "exchanges": counts, "exit": peer["exit"],
    }
    failed = bool(short) or peer["exit"] != 0 or counts.get("errors", 1) != 0
    if failed:
        details = ", ".join(f"{k} {got} of {want}" for k, (got, want) in short.items())
        summary["error"] = (f"the peer made fewer exchanges than the suite has ({details})" if short
                            else f"the peer exited {peer['exit']} with {counts.get('errors')} errors")
    result["peer"] = summary
    result["cpu_ratio_to_peer"] = None if failed or peer["cpu_s"] <= 0 else round(result["cpu_s"] / peer["cpu_s"], 2)
    result["rss_ratio_to_peer"] = None if failed or peer["peak_rss_mb"] <= 0 else round(result["peak_rss_mb"] / peer["peak_rss_mb"], 2)
    return failed


def process_cpu(pid):
    """User + system CPU seconds of a running process (the sandbox), from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_suite(work, port, args, users):
    os.makedirs(os.path.join(work, "flows"))
    user_ids = "\n".join(f"      - {USER_PREFIX}{n:012x}" for n in range(1, users + 1))
    limits = "" if args.rate_limited else "    rate_limits: off\n"
    with open(os.path.join(work, "parley.yaml"), "w") as f:
        f.write(f"""default_target: bench
targets:
  bench:
    provider: amigo
    base_url: http://127.0.0.1:{port}
    organization: {TARGET["organization"]}
    api_key: {TARGET["api_key"]}
    api_key_id: {TARGET["api_key_id"]}
    service_id: {TARGET["service_id"]}
{limits}    user_ids:
{user_ids}
""")
    steps = []
    for turn in range(args.turns):
        steps += [f"  - send: {MESSAGES[turn % 2]}", f"  - expect: {EXPECTS[turn % 2]}"]
    with open(os.path.join(work, "flows", "bench.yaml"), "w") as f:
        f.write("flow: bench\nturn_timeout: 60s\nsteps:\n" + "\n".join(steps) + "\n")


if __name__ == "__main__":
    main()
