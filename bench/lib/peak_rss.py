#!/usr/bin/env python3
"""Peak resident memory (VmHWM, kB) of one process, sampled until it exits (continuously for its
first 50 ms, then every millisecond).

  peak_rss.py --pid PID        watch a running process
  peak_rss.py -- CMD ARGS...   start CMD (stdout/stderr discarded) and watch it
VmHWM only grows, so the last value read before the process exits is its peak (to within the
last sample before it exits). Only the process itself is counted, not its children."""
import os, subprocess, sys, time


def hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    args = sys.argv[1:]
    proc = None
    if args[:1] == ["--pid"]:
        pid = int(args[1])
    else:
        if args[:1] == ["--"]:
            args = args[1:]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pid = proc.pid
    started = time.monotonic()
    peak = 0
    samples = 0
    usage = None
    while True:
        v = hwm(pid)
        if v is not None:
            peak = max(peak, v)
            samples += 1
        if proc is not None:
            done, _, ru = os.wait4(pid, os.WNOHANG)
            if done:
                usage = ru
                break
        elif v is None:
            break  # gone (a zombie has no VmHWM line any more)
        # The first 50 ms without pausing: a command of a few milliseconds (`ps`) must not exit
        # between two samples while it still grows. Then every millisecond.
        if samples > 2000 or time.monotonic() - started > 0.05:
            time.sleep(0.001)
    # No fallback on the kernel's ru_maxrss: for a child of this script it starts at the size of
    # Python itself (the forked image it exec'd from), and it would count the largest waited-for
    # child too (a CNI plugin is bigger than minipod).
    print(peak)


main()
