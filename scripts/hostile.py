#!/usr/bin/env python3
"""Measures how `parley run` copes with a hostile Amigo server: wall time, peak resident memory,
the outcome and what was written, per scenario.

    scripts/hostile.py [--parley .build/release/parley] [--scenario NAME ...]

Scenarios:
  reply-20mb       a create stream carrying 20 MB of agent text in 4 KB chunks, as fast as it goes
  paced-20mb       the same, paced (64 KB every 2 ms) so that the client keeps up and reads it all
  paced-150mb      the same with 150 MB
  line-20mb        one 20 MB line that never ends
  runaway-pattern  a 30-character reply checked with /(a+)+$/ (catastrophic backtracking)
  silent-signin    a sign-in that never answers, against a 5 s turn timeout
  silent-create    a create stream that never answers, against a 5 s turn timeout

The server is Python, on a loopback port; the memory figure is the parley process's own resident
high-water mark (VmHWM), sampled every 10 ms.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = b'{"id_token":"hostile-id-token-0123456789","expires_at":"2099-01-01T00:00:00Z"}'


def new_message(text):
    return json.dumps({"type": "new-message", "message": text, "message_id": "m1", "stop": False}).encode() + b"\n"


class Hostile:
    """A raw-socket HTTP server whose answer to a create request depends on the scenario."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def read_request(self, conn, buffered):
        while b"\r\n\r\n" not in buffered:
            chunk = conn.recv(65536)
            if not chunk:
                return None, buffered
            buffered += chunk
        head, _, rest = buffered.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            rest += chunk
        return (method, path), rest[length:]

    def answer(self, conn, status, body, content_type="application/json"):
        conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s" % (
            status, content_type.encode(), len(body), body))

    def stream(self, conn, pieces, pause=0):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in pieces:
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            if pause:
                time.sleep(pause)
        conn.sendall(b"0\r\n\r\n")

    def serve(self, conn):
        buffered = b""
        try:
            while True:
                request, buffered = self.read_request(conn, buffered)
                if request is None:
                    return
                method, path = request
                if path.endswith("/user/signin_with_api_key"):
                    if self.scenario == "silent-signin":
                        while conn.recv(65536):
                            pass
                        return
                    self.answer(conn, 200, TOKEN)
                elif method == "GET":
                    self.answer(conn, 200, b'{"conversations":[]}')
                elif "/finish/" in path:
                    self.answer(conn, 204, b"")
                else:
                    self.create(conn)
        except OSError:
            return
        finally:
            conn.close()

    def create(self, conn):
        created = b'{"type":"conversation-created","conversation_id":"c-hostile-1"}\n'
        if self.scenario in ("reply-20mb", "paced-20mb", "paced-150mb"):
            total = (150 if self.scenario == "paced-150mb" else 20) << 20
            piece = new_message("a" * 4096) * 16
            done = json.dumps({"type": "interaction-complete", "interaction_id": "i1", "full_message": "",
                               "conversation_completed": False}).encode() + b"\n"
            pause = 0.002 if self.scenario.startswith("paced") else 0
            self.stream(conn, [created] + [piece] * (total // len(piece)) + [done], pause)
        elif self.scenario == "line-20mb":
            self.stream(conn, [b"a" * 65536] * 320)
        elif self.scenario == "runaway-pattern":
            done = json.dumps({"type": "interaction-complete", "interaction_id": "i1", "full_message": "",
                               "conversation_completed": False}).encode() + b"\n"
            self.stream(conn, [created, new_message("a" * 30 + "!"), done])
        elif self.scenario == "silent-create":
            while conn.recv(65536):
                pass

    def stop(self):
        self.stopped = True
        self.sock.close()


def sample_peak(child, peak):
    """The child's resident high-water mark (VmHWM, in KiB), read every 10 ms while it runs: wait4's
    ru_maxrss would count the parent's memory too, as a vfork child shares it until exec."""
    while child.poll() is None:
        try:
            with open(f"/proc/{child.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)


def run(parley, scenario):
    server = Hostile(scenario)
    work = tempfile.mkdtemp(prefix="parley-hostile-")
    try:
        os.makedirs(work + "/flows")
        with open(work + "/parley.yaml", "w") as f:
            f.write(f"""default_target: hostile
targets:
  hostile:
    provider: amigo
    base_url: http://127.0.0.1:{server.port}
    organization: o
    api_key: k-0123456789
    api_key_id: i-0123456789
    user_id: 5a4db0c0ffee00000000a001
    service_id: 5a4db0c0ffee00000000c0de
    rate_limits: off
""")
        pattern = "/(a+)+$/" if scenario == "runaway-pattern" else "never"
        with open(work + "/flows/f.yaml", "w") as f:
            f.write(f"flow: f\nturn_timeout: 5s\nsteps:\n  - send: hi\n  - expect: {json.dumps(pattern)}\n")
        began = time.monotonic()
        with open(work + "/stdout", "w") as out, open(work + "/stderr", "w") as err:
            child = subprocess.Popen([parley, "run", "--out", "run", "--no-color"], cwd=work, stdout=out, stderr=err)
            peak = [0]
            sampler = threading.Thread(target=sample_peak, args=(child, peak), daemon=True)
            sampler.start()
            child.wait()
            sampler.join()
        took = time.monotonic() - began
        with open(work + "/stdout") as out, open(work + "/stderr") as err:
            printed = out.read() + err.read()
        outcome, message, transcript = "?", "", 0
        try:
            with open(work + "/run/results.jsonl") as f:
                record = json.loads(f.readline())
            outcome = record.get("outcome", "?")
            failure = record.get("failure") or {}
            message = (failure.get("errorKind") or failure.get("error_kind") or "") + ": " + failure.get("message", "")
            transcript = os.path.getsize(work + "/run/" + record["transcript"])
        except (OSError, ValueError, KeyError):
            message = printed[-200:]
        return {"scenario": scenario, "exit": child.returncode, "seconds": round(took, 2), "peak_rss_mib": round(peak[0] / 1024),
                "outcome": outcome, "transcript_bytes": transcript, "message": message[:110]}
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parley", default=".build/release/parley")
    parser.add_argument("--scenario", action="append")
    args = parser.parse_args()
    order = ["silent-signin", "silent-create", "runaway-pattern", "line-20mb", "reply-20mb", "paced-20mb",
             "paced-150mb"]
    for scenario in args.scenario or order:
        print(json.dumps(run(os.path.abspath(args.parley), scenario)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
