#!/usr/bin/env python3
"""Where `parley run`'s memory goes, on the benchmark's suite (scripts/bench.py's conversations
against `parley sandbox`, user-first, 10 turns, 100 ms replies).

  scripts/bench-memory.py smaps BINARY [--concurrency N --conversations N]
      Samples /proc/PID/smaps every 50 ms and prints, at the highest RSS seen, the resident
      memory of each mapping: the heap, the executable's pages, each library's.
  scripts/bench-memory.py heaptrack BINARY OUT [--concurrency N --conversations N]
      Runs `parley run` under heaptrack (Debian's `heaptrack`), writing OUT.zst; read it with
      `heaptrack_print -f OUT.zst --print-peaks 1` (allocation sites at the peak) or
      `heaptrack_print -f OUT.zst -M massif.out` (the heap over time, in massif's format).
  scripts/bench-memory.py task-allocs BINARY [--conversations N]
      Traces one flow run's task memory with perf uprobes (root): every `swift_task_alloc` (size
      and the async function asking) and every `malloc` the task allocator makes for a new slab,
      in order. Needs a binary with the runtime linked in (--static-swift-stdlib) or
      libswift_Concurrency.so's symbols, and libc's.
  scripts/bench-memory.py hot-functions BINARY [--out Sources/parley/hot-functions.order]
      Writes the linker's symbol ordering file: every function of the executable that a run of
      the benchmark's suite (40 conversations) executes, hottest first, then those a run of the
      example flows (flows/) adds, from valgrind's callgrind (Debian's `valgrind`) on a copy of
      BINARY without its debug information. Linked first and
      together, they take a few hundred pages instead of pages all over the binary
      (docs/architecture.md, "Linking"). Regenerate it when the run path changes much; a name it
      lists that no longer exists is skipped. The file is not an input SwiftPM tracks: delete the
      built executable so that the next build links it again.
  scripts/bench-memory.py instructions BINARY [--conversations N --concurrency N --top K --peer]
      Counts the instructions `parley run` executes (callgrind) for N and for 3N conversations
      (default 100, concurrency 100) and prints the difference per turn: the cost of a turn
      without the run's fixed costs, the same from one run to the next where CPU time moves by
      10-20 % with the machine's hour. Then the K functions (default 25) that executed the most
      instructions of their own in that difference, in any object file, and their instructions per
      turn. With --peer, the same for scripts/bench-peer.c (the C/libcurl floor of bench.py --peer)
      and the ratio of the two.

The sandbox runs in its own process, as in bench.py; only `parley run` is measured.
"""
import argparse, collections, os, re, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def suite(binary, conversations, concurrency, latency_ms=100):
    """Starts the sandbox and writes the suite; returns (sandbox process, work directory, run command).
    The sandbox's port is `sandbox.port`."""
    work = tempfile.mkdtemp(prefix="parley-memory-")
    sandbox = subprocess.Popen([binary, "sandbox", "--port", "0", "--latency", f"{latency_ms}ms"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = sandbox.port = int(sandbox.stdout.readline().split("http://127.0.0.1:")[1].split()[0])
    args = argparse.Namespace(conversations=conversations, turns=10, latency_ms=latency_ms, concurrency=concurrency,
                              rate_limited=False, rate_scale=60)
    bench.write_suite(work, port, args, min(concurrency, conversations))
    command = [binary, "run", "flows", "--out", "run", "-j", str(concurrency), "--repeat", str(conversations),
               "--seed", "1"]
    return sandbox, work, command


def stop(sandbox):
    sandbox.send_signal(signal.SIGINT)
    sandbox.wait(timeout=30)


def smaps(args):
    sandbox, work, command = suite(args.binary, args.conversations, args.concurrency)
    try:
        run = subprocess.Popen(command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak, peak_text = 0, ""
        while run.poll() is None:
            try:
                text = open(f"/proc/{run.pid}/smaps").read()
                rss = sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("Rss:"))
            except OSError:
                break
            if rss > peak:
                peak, peak_text = rss, text
            time.sleep(0.05)
    finally:
        stop(sandbox)
    by_mapping = collections.defaultdict(collections.Counter)
    name = None
    for line in peak_text.splitlines():
        fields = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            name = os.path.basename(fields[5]) if len(fields) > 5 and fields[5].startswith("/") else (
                fields[5] if len(fields) > 5 else "[anonymous]")
        elif len(fields) >= 2 and fields[0].endswith(":") and fields[1].isdigit():
            by_mapping[name][fields[0][:-1]] += int(fields[1])
    print(f"highest RSS sampled: {peak / 1024:.1f} MB")
    print(f"{'mapping':40} {'RSS MB':>8} {'dirty MB':>9}")
    for mapping, sizes in sorted(by_mapping.items(), key=lambda item: -item[1]["Rss"]):
        if sizes["Rss"] >= 100:
            dirty = sizes["Private_Dirty"] + sizes["Shared_Dirty"]
            print(f"{mapping[:40]:40} {sizes['Rss'] / 1024:8.1f} {dirty / 1024:9.1f}")


def heaptrack(args):
    sandbox, work, command = suite(args.binary, args.conversations, args.concurrency)
    try:
        out = os.path.abspath(args.out).removesuffix(".zst")
        subprocess.run(["heaptrack", "-o", out, *command], cwd=work, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        stop(sandbox)
    print(f"{out}.zst")


def task_allocs(args):
    symbols = subprocess.run(["nm", args.binary], capture_output=True, text=True).stdout
    # The runtime is in the executable when it was linked in, else in the shared library.
    runtime = args.binary if re.search(r" [Tt] swift_task_alloc$", symbols, re.M) else \
        "/opt/swift/usr/lib/swift/linux/libswift_Concurrency.so"
    subprocess.run(["perf", "probe", "-q", "-d", "parleymem:*"], capture_output=True)
    for library, probe in ((runtime, "parleymem:task_alloc=swift_task_alloc size=%di:u64"),
                           ("/lib/x86_64-linux-gnu/libc.so.6", "parleymem:malloc=malloc size=%di:u64")):
        subprocess.run(["perf", "probe", "-q", "-f", "-x", library, probe], check=True, capture_output=True)
    sandbox, work, command = suite(args.binary, args.conversations, 1, latency_ms=20)
    data = os.path.join(work, "perf.data")
    try:
        subprocess.run(["perf", "record", "-q", "-e", "parleymem:task_alloc", "-e", "parleymem:malloc",
                        "--call-graph", "dwarf,2048", "-o", data, *command], cwd=work, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        stop(sandbox)
        subprocess.run(["perf", "probe", "-q", "-d", "parleymem:*"], capture_output=True)
    script = subprocess.run(["perf", "script", "-i", data, "-F", "tid,event,trace,ip,sym"], capture_output=True,
                            text=True).stdout
    rows = []
    for block in script.split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines()]
        if not lines or "size=" not in lines[0]:
            continue
        size = int(lines[0].split("size=")[1].split()[0])
        symbols = [line.split(None, 1)[1] if " " in line else line for line in lines[1:]]
        if "task_alloc" in lines[0]:
            rows.append((lines[0].split()[0], "frame", size, symbols[1].split("+0x")[0] if len(symbols) > 1 else "?"))
        elif any("StackAllocator" in s or "swift_task_alloc" in s for s in symbols[:6]):
            rows.append((lines[0].split()[0], "SLAB", size, ""))
    names = subprocess.run(["swift-demangle", "-simplified", "-compact"], input="\n".join(r[3] for r in rows),
                           capture_output=True, text=True).stdout.splitlines()
    print("thread   kind   bytes  asked for by")
    for (thread, kind, size, _), name in zip(rows, names):
        print(f"{thread:8} {kind:5} {size:6}  {name[:110]}")


def callgrind(command, cwd, profile):
    """Runs `command` under callgrind, writing `profile`."""
    subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no",
                    "--compress-pos=no", f"--callgrind-out-file={profile}", *command], cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def own_costs(profile):
    """Each function's own cost in a callgrind profile, by (object file, function), and the total.
    A function's own cost is the cost lines under its `fn=`, except the one after each `calls=`
    (that is the callee's inclusive cost)."""
    cost, total = collections.Counter(), 0
    function, objfile, after_call = None, None, False
    with open(profile, errors="replace") as lines:
        for line in lines:
            if line.startswith("ob="):
                objfile = line[3:].strip()
            elif line.startswith("fn="):
                function = (objfile, line[3:].strip())
                cost[function] += 0
            elif line.startswith("calls="):
                after_call = True
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
            elif line[:1].isdigit() or line[:1] in "+-*":
                if after_call:
                    after_call = False
                else:
                    cost[function] += int(line.split()[1]) if len(line.split()) > 1 else 0
    return cost, total


def executed_functions(binary, command, cwd):
    """The functions of `binary` that `command` executes under callgrind, hottest first."""
    profile = os.path.join(os.path.dirname(binary), f"callgrind.{len(os.listdir(os.path.dirname(binary)))}")
    callgrind(command, cwd, profile)
    cost, _ = own_costs(profile)
    return sorted((name for objfile, name in cost if objfile == binary), key=lambda name: (-cost[(binary, name)], name))


def instructions(args):
    work = tempfile.mkdtemp(prefix="parley-instructions-")
    binary = os.path.join(work, "parley")
    subprocess.run(["objcopy", "--strip-debug", args.binary, binary], check=True)
    turns = 2 * args.conversations * 10
    parley = marginal_instructions(work, "parley", binary, args, lambda port, suite_command, conversations: suite_command)
    print_marginal(parley, turns, args.top)
    if args.peer:
        peer_binary = bench.compile_peer(work)

        def peer_command(port, suite_command, conversations):
            return [peer_binary, f"http://127.0.0.1:{port}", bench.TARGET["organization"], bench.TARGET["api_key"],
                    bench.TARGET["api_key_id"], bench.TARGET["service_id"], bench.PEER_USER_PREFIX,
                    str(conversations), "10", str(args.concurrency), *bench.MESSAGES]

        peer = marginal_instructions(work, "peer", binary, args, peer_command)
        print_marginal(peer, turns, args.top)
        print(f"ratio to the peer, per turn: {parley[0] / peer[0]:.2f}")


def marginal_instructions(work, name, binary, args, command_for):
    """Runs `command_for(port, suite command, conversations)` under callgrind against a sandbox with
    the suite written, for N and 3N conversations; returns the difference (the 2N conversations'
    cost, without the fixed costs), the fixed costs and each function's share of the difference."""
    totals, costs = [], []
    for conversations in (args.conversations, 3 * args.conversations):
        sandbox, suite_dir, command = suite(binary, conversations, args.concurrency)
        try:
            profile = os.path.join(work, f"callgrind.{name}.{conversations}")
            callgrind(command_for(sandbox.port, command, conversations), suite_dir, profile)
        finally:
            stop(sandbox)
        cost, total = own_costs(profile)
        costs.append(cost)
        totals.append(total)
        print(f"{name}, {conversations} conversations: {total:,} instructions")
    difference = collections.Counter({key: cost - costs[0].get(key, 0) for key, cost in costs[1].items()})
    return totals[1] - totals[0], totals[0] - (totals[1] - totals[0]) / 2, difference


def print_marginal(counted, turns, top):
    difference, fixed, functions = counted
    print(f"per turn, without the fixed costs: {difference / turns:,.0f} instructions")
    print(f"fixed costs: {fixed:,.0f} instructions")
    for (objfile, name), cost in functions.most_common(top):
        print(f"{100 * cost / difference:5.2f}% {cost / turns:9,.0f} {os.path.basename(objfile or '?'):>22}  {name[:110]}")


def hot_functions(args):
    work = tempfile.mkdtemp(prefix="parley-hot-")
    # valgrind does not read the DWARF 5 the toolchain writes; the symbol table is all it needs.
    binary = os.path.join(work, "parley")
    subprocess.run(["objcopy", "--strip-debug", args.binary, binary], check=True)
    sandbox, suite_dir, command = suite(binary, args.conversations, args.concurrency)
    try:
        names = executed_functions(binary, command, suite_dir)
    finally:
        stop(sandbox)
    # Then what the example flows add (every step kind, the in-process sandbox), after the
    # benchmark's path.
    repository = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    listed = set(names)
    examples = [binary, "run", "flows", "--out", os.path.join(work, "examples"), "--no-history"]
    names += [name for name in executed_functions(binary, examples, repository) if name not in listed]
    with open(args.out, "w") as out:
        out.write("".join(name + "\n" for name in names))
    print(f"{len(names)} functions written to {args.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    defaults = {"task-allocs": (1, 1000), "hot-functions": (40, 20), "instructions": (100, 100)}
    for name in ("smaps", "heaptrack", "task-allocs", "hot-functions", "instructions"):
        p = sub.add_parser(name)
        p.add_argument("binary")
        if name == "heaptrack":
            p.add_argument("out")
        if name == "hot-functions":
            p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                         "Sources", "parley", "hot-functions.order"))
        conversations, concurrency = defaults.get(name, (1000, 1000))
        p.add_argument("--conversations", type=int, default=conversations)
        p.add_argument("--concurrency", type=int, default=concurrency)
        if name == "instructions":
            p.add_argument("--top", type=int, default=25)
            p.add_argument("--peer", action="store_true", help="also count scripts/bench-peer.c's instructions")
    args = ap.parse_args()
    {"smaps": smaps, "heaptrack": heaptrack, "task-allocs": task_allocs, "hot-functions": hot_functions,
     "instructions": instructions}[args.what](args)


if __name__ == "__main__":
    main()
