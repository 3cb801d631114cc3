#!/usr/bin/env python3
"""bench/lib/gen_layer.py DIR SEED BYTES RANDOM_FRACTION — the content of one layer of B8's big image.

Writes ~BYTES of files below DIR, the same bytes for the same arguments on every run (Python's
Mersenne Twister, seeded; no clock, no host data). Like a distribution image it is many files of
mixed sizes in a few dozen directories (mean ~24 KB, 1 KB to ~200 KB), and every file mixes
log-like text (gzip keeps ~12 % of it) with pseudo-random bytes (incompressible) in segments of
1-16 KB, RANDOM_FRACTION of the bytes being random. The mix inside each file makes gzip emit
Huffman-coded blocks throughout, as real binaries and text do, rather than long stored blocks of
random data that inflate as a plain copy."""
import os
import random
import sys

out, seed, total, frac = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
rng = random.Random(seed)
WORDS = ("GET", "POST", "served", "request", "worker", "cache", "miss", "hit", "user", "items",
         "INFO", "WARN", "status", "latency", "session", "upstream", "timeout", "retry")


def text(n):
    lines, size = [], 0
    while size < n:
        line = (f"{rng.randrange(10**9):09d} {rng.choice(WORDS[10:12])} worker-{rng.randrange(16)} "
                f"{rng.choice(WORDS[:2])} /api/v1/{rng.choice(WORDS[8:10])}/{rng.randrange(100003)} "
                f"{rng.choice(WORDS[2:8])} in {rng.randrange(9973)} us status={rng.choice((200, 200, 200, 404, 500))}\n")
        lines.append(line)
        size += len(line)
    return "".join(lines).encode()[:n]


written, k = 0, 0
while written < total:
    size = min(total - written, int(rng.lognormvariate(9.6, 1.0)) + 1024)
    d = os.path.join(out, f"d{k % 40:02d}")
    os.makedirs(d, exist_ok=True)
    parts, have = [], 0
    while have < size:
        seg = min(size - have, rng.randrange(1024, 16384))
        parts.append(rng.randbytes(seg) if rng.random() < frac else text(seg))
        have += seg
    with open(os.path.join(d, f"f{k:05d}.dat"), "wb") as fh:
        fh.write(b"".join(parts))
    written += size
    k += 1
