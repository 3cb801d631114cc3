#!/usr/bin/env python3
"""Peak resident memory (VmHWM, kB) of one process, sampled every millisecond until it exits.

  peak_rss.py --pid PID        watch a running process
  peak_rss.py -- CMD ARGS...   start CMD (stdout/stderr discarded) and watch it
VmHWM only grows, so the last value read before the process exits is its peak (to within the
last millisecond of its life). Only the process itself is counted, not its children."""
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
    peak = 0
    usage = None
    while True:
        v = hwm(pid)
        if v is not None:
            peak = max(peak, v)
        if proc is not None:
            done, _, ru = os.wait4(pid, os.WNOHANG)
            if done:
                usage = ru
                break
        elif v is None:
            break  # gone (a zombie has no VmHWM line any more)
        time.sleep(0.001)
    # A command shorter than the first sample: the kernel's own peak for it (ru_maxrss also
    # counts its waited-for children, none for such short commands).
    if peak == 0 and usage is not None:
        peak = usage.ru_maxrss
    print(peak)


main()
