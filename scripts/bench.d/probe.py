#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Small network helpers for scripts/bench (standard library only).

  probe.py free-port
      prints a port of 127.0.0.1 that is free for both UDP and TCP (the kernel picks it: bind to
      port 0 over UDP, then check the same port over TCP)
  probe.py wait-answer PORT NAME TYPE T0 TIMEOUT
      sends NAME/TYPE to 127.0.0.1:PORT over UDP every 5 ms until an answer with RCODE NOERROR
      and at least one answer record arrives; prints the seconds elapsed since T0 (a
      `date +%s.%N` timestamp taken just before the server was launched). Exit 1 on timeout.
"""
import random
import socket
import struct
import sys
import time

TYPES = {"A": 1, "NS": 2, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}


def free_port():
    for _ in range(100):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            t.close()
            u.close()
        print(port)
        return 0
    return 1


def query(name, qtype):
    qid = random.randrange(65536)
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
    return qid, struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + wire + struct.pack("!HH", TYPES[qtype], 1)


def wait_answer(port, name, qtype, t0, timeout):
    deadline = time.time() + timeout
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.005)
    while time.time() < deadline:
        qid, msg = query(name, qtype)
        try:
            s.sendto(msg, ("127.0.0.1", port))
        except OSError:
            time.sleep(0.005)
            continue
        end = time.time() + 0.05
        while time.time() < end:
            try:
                data = s.recv(4096)
            except socket.timeout:
                break
            except OSError:  # ICMP port unreachable: nobody listens yet
                time.sleep(0.005)
                break
            if len(data) < 12:
                continue
            rid, flags, _, ancount = struct.unpack("!HHHH", data[:8])
            if rid == qid and flags & 0xF == 0 and ancount > 0:
                print(f"{time.time() - t0:.3f}")
                return 0
    return 1


def main(argv):
    if argv[:1] == ["free-port"]:
        return free_port()
    if argv[:1] == ["wait-answer"] and len(argv) == 6:
        return wait_answer(int(argv[1]), argv[2], argv[3], float(argv[4]), float(argv[5]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
