#!/usr/bin/env python3
"""Prints the frame size of every async function in a Swift binary, largest first.

An async function's frame (its context) is allocated in its task's allocator for as long as the
call lasts, and the allocator keeps its slabs until the task ends: the frames on a conversation's
path, summed, are what each conversation in flight holds. The size is the second word of the
function's async function pointer (the `...Tu` symbol). Needs `nm`, `readelf` and `swift-demangle`.

  scripts/async-frames.py .build/release/parley
  scripts/async-frames.py .build/release/parley 'FlowExecution|AmigoConversation'
"""
import re, signal, struct, subprocess, sys


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    keep = re.compile(sys.argv[2]) if len(sys.argv) > 2 else None
    data = open(binary, "rb").read()
    sections = []
    for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m:
            sections.append(tuple(int(g, 16) for g in m.groups()))

    def file_offset(address):
        for start, offset, size in sections:
            if start and start <= address < start + size:
                return address - start + offset
        return None

    rows = []
    for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) != 3 or not parts[2].endswith("Tu"):
            continue
        offset = file_offset(int(parts[0], 16))
        if offset is not None:
            rows.append((struct.unpack_from("<iI", data, offset)[1], parts[2]))
    names = subprocess.run(["swift-demangle", "--simplified"], input="\n".join(r[1] for r in rows),
                           capture_output=True, text=True, check=True).stdout.splitlines()
    for (size, _), name in sorted(zip(rows, names), key=lambda r: -r[0][0]):
        name = name.replace("async function pointer to ", "")
        if keep is None or keep.search(name):
            print(f"{size:6d}  {name}")


if __name__ == "__main__":
    main()
