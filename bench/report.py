#!/usr/bin/env python3
"""bench/report.py — turn bench/run.sh's raw measurements into results.md and results.json.

Input: raw.tsv (BENCH TOOL METRIC ITER VALUE; times in microseconds, *-kb in kB, *-bytes in
bytes), meta.json, failures.txt, the --trace files of B7 (b7-*.trace) and B2 (b2-*.trace),
b5.json, pull.json (B8/B9's images) and B8's `--trace image pull`, and host-check.txt. Output: results.md (tables, targets met or missed and by how much,
where minipod's time goes) and results.json (the same numbers)."""
import argparse
import json
import os
import re
import statistics
from collections import OrderedDict, defaultdict

ap = argparse.ArgumentParser()
for a in ("raw", "meta", "failures", "traces", "host-check", "extra", "pull", "pull-trace", "out", "runs", "quick"):
    ap.add_argument("--" + a)
args = ap.parse_args()

meta = json.load(open(args.meta))
failures = [l.rstrip("\n") for l in open(args.failures)] if os.path.exists(args.failures) else []
host_check = open(args.host_check).read().strip() if os.path.exists(args.host_check) else ""
b5 = json.load(open(args.extra)) if args.extra and os.path.exists(args.extra) else None
pull = json.load(open(args.pull)) if args.pull and os.path.exists(args.pull) else None
pull_trace = open(args.pull_trace, errors="replace").read().strip() if args.pull_trace and os.path.exists(args.pull_trace) else ""

# ---------------------------------------------------------------------------- raw values
vals = OrderedDict()  # (bench, tool, metric) -> [values in natural unit: ms, kB or bytes]
for line in open(args.raw):
    parts = line.rstrip("\n").split(" ")
    if len(parts) < 5:
        continue
    bench, tool, value = parts[0], parts[1], parts[-1]
    metric = " ".join(parts[2:-2])
    if value == "":
        continue
    v = float(value)
    if not (metric.endswith("-kb") or metric.endswith("-bytes")):
        v /= 1000.0  # us -> ms
    vals.setdefault((bench, tool, metric), []).append(v)


def stats(xs):
    xs = sorted(xs)
    if not xs:
        return None
    def pct(p):
        k = max(0, min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1)))))
        return xs[k]
    return {"median": statistics.median(xs), "min": xs[0], "max": xs[-1], "p99": pct(99), "n": len(xs)}


S = {k: stats(v) for k, v in vals.items()}


def med(bench, tool, metric):
    s = S.get((bench, tool, metric))
    return s["median"] if s else None


def f(x, nd=1):
    return "—" if x is None else f"{x:.{nd}f}"


# ---------------------------------------------------------------------------- traces
STEP = re.compile(r"^\[\s*([0-9.]+) ms\] (.*)$")
RESULT = re.compile(r"result: .* in ([0-9.]+) ms")


def norm(label):
    label = re.sub(r'"[^"]*"', '"…"', label)
    label = re.sub(r"\(pid \d+\)", "(pid …)", label)
    label = re.sub(r"net:\[\d+\]", "net:[…]", label)
    label = re.sub(r"id [0-9a-f]{12}, record in \S+", "id …, record in …", label)
    label = re.sub(r"/\S+", "…", label)
    label = re.sub(r"\b10\.\d+\.\d+\.\d+\b", "…", label)
    return label


def parse_trace(path):
    steps, calls, cur = [], [], None
    for line in open(path, errors="replace"):
        m = STEP.match(line)
        if m:
            t, what = float(m.group(1)), m.group(2)
            steps.append((t, what))
            cur = what if what.startswith("CNI ADD ") or what.startswith("CNI DEL ") else None
            if cur and (what.startswith("CNI ADD:") or what.startswith("CNI DEL:")):
                cur = None
            continue
        m = RESULT.search(line)
        if m and cur:
            calls.append((cur, float(m.group(1))))
            cur = None
    return steps, calls


def first(steps, prefix):
    for t, w in steps:
        if w.startswith(prefix):
            return t
    return None


def last(steps, prefix):
    r = None
    for t, w in steps:
        if w.startswith(prefix):
            r = t
    return r


b7 = []
b2 = []
if args.traces and os.path.isdir(args.traces):
    for name in sorted(os.listdir(args.traces)):
        p = os.path.join(args.traces, name)
        if name.startswith("b7-") and name.endswith(".trace"):
            b7.append(parse_trace(p))
        elif name.startswith("b2-") and name.endswith(".trace"):
            b2.append(parse_trace(p))

b7_summary = None
b7_steps = []
if b7:
    rows = defaultdict(list)
    order = []
    agg = defaultdict(list)
    for steps, calls in b7:
        prev = 0.0
        for t, w in steps:
            k = norm(w)
            if k not in order:
                order.append(k)
            rows[k].append(t - prev)
            prev = t
        add = sum(d for c, d in calls if c.startswith("CNI ADD "))
        dele = sum(d for c, d in calls if c.startswith("CNI DEL "))
        t_last_start = last(steps, "start container ")
        t_stop = first(steps, "stop the pod")
        t_end = steps[-1][0]
        t_read = first(steps, "read ") or 0.0
        t_reserve = first(steps, "reserve pod name")
        agg["cni_add_ms"].append(add)
        agg["cni_del_ms"].append(dele)
        agg["to_last_container_started_ms"].append(t_last_start)
        agg["own_start_ms"].append(t_last_start - add)
        agg["before_reserve_ms"].append((t_reserve or 0) - t_read)
        agg["teardown_ms"].append(t_end - t_stop)
        agg["own_teardown_ms"].append(t_end - t_stop - dele)
        for c, d in calls:
            agg["plugin " + c.split(" (")[0]].append(d)
    b7_summary = {k: statistics.median(v) for k, v in agg.items()}
    b7_summary["n"] = len(b7)
    for k in order:
        b7_steps.append((k, statistics.median(rows[k]), len(rows[k])))

b2_summary = None
if b2:
    sb, pause, tot = [], [], []
    for steps, calls in b2:
        t_read = first(steps, "read ") or 0.0
        t_reserve = first(steps, "reserve pod name")
        t_clone = first(steps, "clone pause")
        t_shm = first(steps, "mount the pod's /dev/shm")
        if t_shm is None:
            continue
        sb.append(t_shm - (t_reserve if t_reserve is not None else t_read))
        tot.append(t_shm)
        if t_clone is not None:  # the cgroup line before it only starts a thread
            pause.append(t_clone - (t_reserve if t_reserve is not None else t_read))
    b2_summary = {"sandbox_after_record_ms": statistics.median(sb), "pause_clone_ms": statistics.median(pause) if pause else None,
                  "process_start_to_sandbox_ms": statistics.median(tot), "n": len(sb)}

# ---------------------------------------------------------------------------- targets
targets = []


def target(name, goal, value, limit, met, detail):
    targets.append({"target": name, "goal": goal, "value": value, "limit": limit, "met": bool(met), "detail": detail})


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


mp_client = med("B1", "minipod", "client")
pn_client = med("B1", "podman-netavark", "client")
pc_client = med("B1", "podman-cni", "client")
cd_client = med("B1", "containerd", "client")
best_podman = min([x for x in (pn_client, pc_client) if x is not None], default=None)
if mp_client is not None and best_podman is not None:
    target("B1 vs podman", "≤ 1/10 of podman (the faster back end), to the client's success", mp_client, best_podman / 10,
           mp_client <= best_podman / 10, f"minipod {f(mp_client)} ms, podman {f(best_podman)} ms: ratio 1/{f(best_podman / mp_client, 1)}")
if mp_client is not None and cd_client is not None:
    target("B1 vs containerd", "≤ 1/5 of containerd, to the client's success", mp_client, cd_client / 5,
           mp_client <= cd_client / 5, f"minipod {f(mp_client)} ms, containerd {f(cd_client)} ms: ratio 1/{f(cd_client / mp_client, 1)}")
mb_client = med("B1", "minipod-baseline", "client")
if mp_client is not None and mb_client is not None:
    target("B1 vs the baseline binary", "not slower than MINIPOD_BASELINE by more than 10%, to the client's success",
           mp_client, mb_client * 1.1, mp_client <= mb_client * 1.1,
           f"minipod {f(mp_client)} ms, baseline {f(mb_client)} ms: {f((mp_client / mb_client - 1) * 100, 1)}%")
if b7_summary:
    own = b7_summary["own_start_ms"]
    target("B7 minipod's own work", "≤ 10 ms (start, excluding CNI plugin time)", own, 10, own <= 10,
           f"{f(own)} ms own work + {f(b7_summary['cni_add_ms'])} ms in CNI ADD plugins until the last container is started")
if b2_summary:
    v = b2_summary["sandbox_after_record_ms"]
    target("B2 sandbox without network", "≤ 5 ms", v, 5, v <= 5,
           f"pause + net/uts/ipc/pid namespaces + lo + hostname + netns pin + /dev/shm (+ cgroup), from the trace: {f(v)} ms")
mp_rm = med("B3b", "minipod", "rm -f")
pn_rm = med("B3b", "podman-netavark", "pod rm -f -t 0")
if mp_rm is not None and pn_rm is not None:
    target("B3 teardown vs podman pod rm", "≤ 1/5 of `podman pod rm -f -t 0`", mp_rm, pn_rm / 5, mp_rm <= pn_rm / 5,
           f"`minipod rm -f` {f(mp_rm)} ms vs podman {f(pn_rm)} ms: ratio 1/{f(pn_rm / mp_rm, 1)}")
mp_debug = med("B4", "minipod", "debug")
if mp_debug is not None:
    target("B4 one more container", "≤ 10 ms", mp_debug, 10, mp_debug <= 10,
           f"`minipod debug POD --image … -- true` (an ephemeral container, whole command): {f(mp_debug)} ms")
if b5:
    tot = med("B5", "minipod", "start-total")
    zero = (b5["start_failed"] == 0 and b5["distinct_addresses"] == b5["pods"] and b5["reachable"] == b5["pods"]
            and b5["rm_failed"] == 0 and all(v == 0 for v in b5["left"].values()))
    target(f"B5 {b5['pods']} pods at once", "≤ 5 s, zero failures", tot, 5000, tot is not None and tot <= 5000 and zero,
           f"{f(tot / 1000 if tot else None, 2)} s; started {b5['pods'] - b5['start_failed']}/{b5['pods']}, distinct addresses "
           f"{b5['distinct_addresses']}, reachable {b5['reachable']}, rm failures {b5['rm_failed']}, left {b5['left']}")
pb = med("B6", "minipod", "pause-binary-bytes")
if pb is not None:
    target("B6 pause binary", "≤ 100 KB", pb / 1024, 100, pb <= 100 * 1024, f"{f(pb / 1024)} KiB ({int(pb)} bytes)")
pr = med("B6", "minipod", "pause-rss-kb")
if pr is not None:
    target("B6 pause resident", "≤ 300 KB", pr, 300, pr <= 300, f"VmRSS {f(pr, 0)} kB")
mr = med("B6", "minipod", "monitor-rss-kb")
if mr is not None:
    target("B6 monitor resident", "≤ 2 MB", mr, 2048, mr <= 2048, f"VmRSS {f(mr, 0)} kB")

MiB = 1024.0 * 1024.0
mp_big = med("B8", "minipod", "pull-big")
floor = med("B8", "gzip-floor", "inflate-big")
pd_big = med("B8", "podman", "pull-big")
cd_big = med("B8", "containerd", "pull-big")
if mp_big is not None and floor:
    target("B8 big pull vs the gzip floor", "≤ 1.3 × plain `gzip -dc` of its 4 layers, serially, in the same run",
           mp_big, floor * 1.3, mp_big <= floor * 1.3,
           f"minipod {f(mp_big)} ms, floor {f(floor)} ms: {f(ratio(mp_big, floor), 2)}× the floor "
           f"(podman {f(ratio(pd_big, floor), 2)}×, containerd {f(ratio(cd_big, floor), 2)}×; minipod with "
           f"its store on a tmpfs {f(ratio(med('B8', 'minipod', 'pull-big, store on tmpfs'), floor), 2)}×)")
mp_small = med("B8", "minipod", "pull-small")
pd_small = med("B8", "podman", "pull-small")
if mp_small is not None and pd_small:
    target("B8 small pull vs podman", "≤ 1/5 of `podman pull`", mp_small, pd_small / 5, mp_small <= pd_small / 5,
           f"minipod {f(mp_small)} ms, podman {f(pd_small)} ms: ratio 1/{f(pd_small / mp_small, 1)}"
           f" (containerd {f(med('B8', 'containerd', 'pull-small'))} ms)")
mp_disk = med("B8", "minipod", "disk-big-bytes")
pd_disk = med("B8", "podman", "disk-big-bytes")
if mp_disk is not None and pd_disk:
    target("B8 disk per image vs podman", "≤ podman's (big image; store growth, du)", mp_disk / MiB, pd_disk / MiB,
           mp_disk <= pd_disk, f"minipod {f(mp_disk / MiB)} MiB, podman {f(pd_disk / MiB)} MiB: {f(ratio(mp_disk, pd_disk), 2)}×"
           f" (containerd {f((med('B8', 'containerd', 'disk-big-bytes') or 0) / MiB)} MiB)")
mp_present = med("B9", "minipod", "run-present")
mp_local = med("B9", "minipod", "run-imported-rootfs")
if mp_present is not None and mp_local:
    target("B9 run of a present image", "as fast as today: ≤ 1.1 × the same pod on an imported root filesystem",
           mp_present, mp_local * 1.1, mp_present <= mp_local * 1.1,
           f"present registry image {f(mp_present)} ms, imported rootfs {f(mp_local)} ms: {f((ratio(mp_present, mp_local) - 1) * 100, 1)}%")

# ---------------------------------------------------------------------------- markdown
md = []
m = meta["machine"]
v = meta["versions"]
md.append("# minipod benchmark results\n")
md.append(f"Generated by `bench/run.sh` on {meta['date']}"
          f"{' (**--quick: smoke run, not comparable**)' if args.quick == '1' else ''}; {args.runs} measured runs per tool "
          "and measurement after one warm-up, tools alternated within each iteration. Times are wall clock in ms; "
          "median, with min–max. Ratios are peer median / minipod median from this one run.\n")
md.append("| machine | |\n| --- | --- |")
md.append(f"| CPU | {m['cpus']} × {m['cpu']} |\n| RAM | {m['memory']} |\n| kernel | {m['kernel']} |\n| Debian | {m['debian']} |")
md.append(f"| cgroups | {m['cgroups']} |\n| load average (1, 5, 15 min) | {m['loadavg']} |")
md.append("| versions | " + ", ".join(f"{k} {x}" for k, x in v.items()) + " |\n")


def row(label, bench, tool, metric, base=None, unit_ms=True):
    s = S.get((bench, tool, metric))
    if not s:
        return None
    r = ""
    if base is not None and base > 0:
        r = f"{s['median'] / base:.1f}×"
    return f"| {label} | {f(s['median'])} | {f(s['min'])}–{f(s['max'])} | {s['n']} | {r} |"


def table(title, rows):
    md.append(f"### {title}\n")
    md.append("| tool / step | median | min–max | n | × minipod |\n| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        if r:
            md.append(r)
    md.append("")


md.append("## Targets\n")
md.append("| target | goal | result | met? |\n| --- | --- | --- | --- |")
for t in targets:
    verdict = "**met**" if t["met"] else f"**missed**" + (f" by {f(t['value'] - t['limit'])} ({f(100 * (t['value'] / t['limit'] - 1), 0)} % over)" if t['value'] is not None and t['limit'] else "")
    md.append(f"| {t['target']} | {t['goal']} | {t['detail']} | {verdict} |")
md.append("")

md.append("## B1 — full pod: httpd + a client fetching over 127.0.0.1, bridge + host-local\n")
md.append("From the command to the page on the client's stdout (`client`), and to the end of teardown (`end`). "
          "minipod: one `minipod run POD.yaml` (server = native sidecar, client = app container, grace 0). "
          "podman: `pod create --network mpbnet` + `run -d --pod` httpd + `run --rm --pod` client + `pod rm -f -t 0`. "
          "containerd: `ip netns add` + CNI ADD loopback and bridge (plugins exec'd as libcni does) + `ctr run -d "
          "--with-ns network:` httpd + `ctr run --rm` client + `ctr tasks rm -f`, `containers rm`, CNI DEL ×2, "
          "`ip netns del` — the steps containerd's CRI takes, **without** the pause container CRI would also start "
          "(so containerd's figure is a lower bound).\n")
b1_tools = ["minipod", "podman-netavark", "podman-cni", "containerd"]
if med("B1", "minipod-baseline", "client") is not None:
    # MINIPOD_BASELINE was set: the older binary ran in the same loop, right after this one.
    b1_tools.insert(1, "minipod-baseline")
for metric in ("client", "end"):
    base = med("B1", "minipod", metric)
    table(f"B1 {metric}", [row(t, "B1", t, metric, base) for t in b1_tools])

md.append("## B2 — sandbox without network\n")
md.append("minipod has no sandbox-only command (a pod always has containers): `minipod run --network none` of a pod "
          "whose one container runs `true` (its own network namespace with only lo, no CNI call). The sandbox time is "
          "read from its `--trace` (from the record being written to /dev/shm mounted: pause cloned into new "
          "net/uts/ipc/pid namespaces with lo up and the hostname set, cgroups (on a thread), netns pinned, /dev/shm); "
          "the whole command (sandbox, the container, teardown) is timed too, as is a hostNetwork pod's.\n")
rows = []
if b2_summary:
    rows.append(f"| minipod sandbox, from the trace (record → /dev/shm) | {f(b2_summary['sandbox_after_record_ms'])} | | {b2_summary['n']} | 1.0× |")
    rows.append(f"| minipod: of which clone pause (+ namespaces, lo, hostname) | {f(b2_summary['pause_clone_ms'])} | | {b2_summary['n']} | |")
    rows.append(f"| minipod: process start → sandbox ready (incl. manifest, image and config checks) | {f(b2_summary['process_start_to_sandbox_ms'])} | | {b2_summary['n']} | |")
base = b2_summary["sandbox_after_record_ms"] if b2_summary else None
rows += [row("minipod run --network none, 1 container `true`, whole command (sandbox + container + teardown)", "B2", "minipod", "run-true-none", base),
         row("minipod run, hostNetwork pod, 1 container `true`, whole command", "B2", "minipod", "run-true-hostnet", base),
         row("podman pod create --network none + pod start", "B2", "podman-none", "create+start", base),
         row("unshare --net --uts --ipc --pid --fork true", "B2", "unshare", "net+uts+ipc+pid --fork true", base)]
table("B2", rows)

md.append("## B3 — teardown\n")
md.append("`after-client`: B1's pod, from the client's success to the end of the command(s) (client exit, server "
          "killed, network and state removed). `B3b`: the removal command alone on a running pod (the one of B4).\n")
base = med("B3", "minipod", "after-client")
table("B3 (B1's pod, after the client's success)", [row(t, "B3", t, "after-client", base) for t in ("minipod", "podman-netavark", "podman-cni", "containerd")])
base = med("B3b", "minipod", "rm -f")
table("B3b (removal of a running pod)", [row("minipod rm -f", "B3b", "minipod", "rm -f", base),
                                          row("podman pod rm -f -t 0 (netavark)", "B3b", "podman-netavark", "pod rm -f -t 0", base),
                                          row("podman pod rm -f -t 0 (--network none)", "B3b", "podman-none", "pod rm -f -t 0", base),
                                          row("containerd: tasks rm -f + containers rm + CNI DEL ×2 + netns del", "B3b", "containerd", "tasks rm+containers rm+CNI DEL+netns del", base)])

md.append("## B4 — one more container in a running pod\n")
md.append("`minipod debug POD --image mpb-busybox -- true`: an ephemeral container (as `kubectl debug` adds): the "
          "pod's net/uts/ipc namespaces, a new mount and PID namespace, an overlay root of its own from the image, "
          "the pod's security defaults (Docker's seccomp profile), a cgroup below the pod's, removed when it ends; the "
          "whole command, from start to exit. `minipod exec POD -- true` (a process joining an existing container) is "
          "listed too. Peers: `podman run "
          "--rm --pod` (a new container) and `podman exec`; `ctr run --rm --with-ns network:`; `runc run` / `crun run` "
          "of a bundle joining the pod's netns (crun through `nsenter --mount` into a namespace with cgroup2 hidden; "
          "the `nsenter true` row is that overhead).\n")
base = med("B4", "minipod", "debug")
table("B4", [row("minipod debug --image … -- true (one more container)", "B4", "minipod", "debug", base),
             row("minipod exec -- true (one more process)", "B4", "minipod", "exec", base),
             row("podman run --rm --pod … true", "B4", "podman-netavark", "run --rm --pod", base),
             row("podman exec … true", "B4", "podman-netavark", "exec", base),
             row("ctr run --rm --with-ns network:… true", "B4", "containerd", "ctr run --rm", base),
             row("runc run (true)", "B4", "runc", "runc run", base),
             row("nsenter --mount + crun run (true)", "B4", "crun", "nsenter+crun run", base),
             row("nsenter --mount true (overhead in the row above)", "B4", "crun", "nsenter true (to subtract)", base)])

md.append("## B5 — scale\n")
if b5:
    st = S.get(("B5", "minipod", "start-per-pod"))
    rm = S.get(("B5", "minipod", "rm-per-pod"))
    md.append(f"{b5['pods']} `minipod run -d` started at once (one httpd container each) on the bridge network, then "
              f"each pod's address fetched once from the host (`curl --max-time 2 http://IP:8080/`), then {b5['pods']} "
              "`minipod rm -f` at once, then the host checked.\n")
    md.append("| | value |\n| --- | --- |")
    md.append(f"| start, all pods (first command → last returned) | {f(med('B5', 'minipod', 'start-total'))} ms |")
    if st:
        md.append(f"| start per pod p50 / p99 / max | {f(st['median'])} / {f(st['p99'])} / {f(st['max'])} ms |")
    md.append(f"| start failures | {b5['start_failed']} |")
    md.append(f"| addresses / distinct | {b5['addresses']} / {b5['distinct_addresses']} |")
    md.append(f"| reachable (page fetched) | {b5['reachable']} / {b5['pods']} |")
    md.append(f"| remove, all pods | {f(med('B5', 'minipod', 'stop-total'))} ms |")
    if rm:
        md.append(f"| remove per pod p50 / p99 | {f(rm['median'])} / {f(rm['p99'])} ms |")
    md.append(f"| rm failures | {b5['rm_failed']} |")
    md.append(f"| left after removal | {', '.join(f'{k} {x}' for k, x in b5['left'].items())} |\n")

md.append("## B6 — memory\n")
md.append("| what | median | min–max | n |\n| --- | ---: | ---: | ---: |")
for tool, metric, label in (("minipod", "pause-binary-bytes", "minipod-pause binary size (bytes)"),
                            ("minipod", "pause-rss-kb", "pause VmRSS (kB)"),
                            ("minipod", "monitor-rss-kb", "per-pod monitor VmRSS (kB)"),
                            ("minipod", "monitor-rss-anon-kb", "per-pod monitor RssAnon: its own heap/stack pages (kB)"),
                            ("minipod", "monitor-pss-kb", "per-pod monitor PSS: shared pages split among sharers (kB)"),
                            ("minipod", "cli-run-hwm-kb", "CLI peak VmHWM, `minipod run` foreground (kB)"),
                            ("minipod", "cli-run-d-hwm-kb", "CLI peak VmHWM, `minipod run -d` (kB)"),
                            ("minipod", "cli-ps-hwm-kb", "CLI peak VmHWM, `minipod ps` (kB)"),
                            ("podman-netavark", "conmon-per-container-rss-kb", "podman: conmon VmRSS per container (2 per pod: infra + httpd) (kB)"),
                            ("podman-netavark", "infra-catatonit-rss-kb", "podman: infra (catatonit) VmRSS (kB)"),
                            ("containerd", "shim-per-pod-rss-kb", "containerd: shim VmRSS per pod (kB)")):
    s = S.get(("B6", tool, metric))
    if s:
        md.append(f"| {label} | {f(s['median'], 0)} | {f(s['min'], 0)}–{f(s['max'], 0)} | {s['n']} |")
md.append("")

md.append("## B7 — where minipod's B1 time goes (`--trace`)\n")
if b7_summary:
    wc = med("B7", "minipod", "client")
    we = med("B7", "minipod", "end")
    md.append(f"Same pod as B1, with `--trace` ({b7_summary['n']} runs; wall clock with tracing: client {f(wc)} ms, end {f(we)} ms). "
              "The trace's clock starts when minipod's tracer is created (at process start).\n")
    md.append("| part | median ms |\n| --- | ---: |")
    md.append(f"| before the record is written (manifest, images, network config, security profiles) | {f(b7_summary['before_reserve_ms'])} |")
    md.append(f"| process start → last container started | {f(b7_summary['to_last_container_started_ms'])} |")
    md.append(f"| of which in CNI ADD plugins (exec + run) | {f(b7_summary['cni_add_ms'])} |")
    md.append(f"| **of which minipod's own work** | **{f(b7_summary['own_start_ms'])}** |")
    md.append(f"| teardown (stop the pod → end) | {f(b7_summary['teardown_ms'])} |")
    md.append(f"| of which in CNI DEL plugins | {f(b7_summary['cni_del_ms'])} |")
    md.append(f"| of which minipod's own work | {f(b7_summary['own_teardown_ms'])} |")
    for k, x in b7_summary.items():
        if k.startswith("plugin "):
            md.append(f"| {k} | {f(x)} |")
    md.append("\nEach step of the trace, median time since the previous step line (a line is printed when its step "
              "is done, except CNI lines which are printed before the plugin runs):\n")
    md.append("| step | median Δ ms | n |\n| --- | ---: | ---: |")
    for k, d, n in b7_steps:
        md.append(f"| {k.replace('|', '/')} | {f(d)} | {n} |")
    md.append("")

if pull or S.get(("B8", "minipod", "pull-small")) or S.get(("B9", "minipod", "run-absent")):
    md.append("## B8 — image pull from a local registry\n")
    if pull:
        md.append(f"One Debian `docker-registry` on 127.0.0.1 (plain HTTP) serves both images; every tool pulls the same "
                  f"manifest (`{pull['small']['ref'].split('/', 1)[1]}`, `{pull['big']['ref'].split('/', 1)[1]}`). Each iteration "
                  "starts each tool from \"image absent\": minipod `image rm` + `image prune`; podman `rmi -f` (its own "
                  "`--root`); containerd `ctr image rm --sync` (content and snapshots collected). Every pull is checked "
                  "against the registry's log to have fetched at least the layers' bytes again. minipod: `image pull "
                  "-q` (a registries.conf with `insecure = true`); podman 4.3: `pull -q --tls-verify=false`; containerd 1.6: "
                  "`ctr image pull --plain-http` (fetch + unpack to overlayfs). The floor: "
                  f"{pull.get('floor_tool', 'gzip -dc')} of the big image's layer blobs to /dev/null.\n")
        md.append("| image | layers | gzip (registry) | uncompressed tar |\n| --- | ---: | ---: | ---: |")
        for name in ("small", "big"):
            x = pull[name]
            md.append(f"| {name} | {x['layers']} | {f(x['gzip_bytes'] / MiB, 2)} MiB ({x['gzip_bytes']} bytes) | "
                      f"{f(x['tar_bytes'] / MiB, 2)} MiB ({x['tar_bytes']} bytes) |")
        md.append("")
    for img in ("small", "big"):
        base = med("B8", "minipod", f"pull-{img}")
        rows = [row("minipod image pull", "B8", "minipod", f"pull-{img}", base),
                row("podman pull", "B8", "podman", f"pull-{img}", base),
                row("ctr image pull (fetch + unpack)", "B8", "containerd", f"pull-{img}", base)]
        if img == "big":
            rows.append(row("floor: gzip -dc of the 4 layer blobs, serially", "B8", "gzip-floor", "inflate-big", base))
        rows += [row("minipod, part 1: minipod-pull --oci-layout DIR (download + verify)", "B8", "minipod",
                     f"download-{img} (minipod-pull --oci-layout)", base),
                 row("minipod, part 2: minipod image load DIR (unpack into the store)", "B8", "minipod",
                     f"unpack-{img} (image load of that layout)", base),
                 row("minipod image pull, the image store on a tmpfs (no disk: what the floor pays)",
                     "B8", "minipod", f"pull-{img}, store on tmpfs", base)]
        table(f"B8 pull of the {img} image", rows)
    md.append("Blob bytes the registry sent per pull (median; the layers alone have "
              + (", ".join(f"{pull[n]['gzip_bytes']} ({n})" for n in ("small", "big")) if pull else "—") + "):\n")
    md.append("| tool | small | big |\n| --- | ---: | ---: |")
    for tool in ("minipod", "podman", "containerd"):
        a, b = med("B8", tool, "fetched-small-bytes"), med("B8", tool, "fetched-big-bytes")
        md.append(f"| {tool} | {f(a, 0)} | {f(b, 0)} |")
    md.append("")
    md.append("### Disk used per image\n")
    md.append("Growth of each tool's store when the big image is pulled into it (`du -sx --block-size=1` after the pull "
              "minus before it, the image absent): minipod's image dir, podman's `--root`, containerd's `root` (content "
              "store with the compressed blobs + overlayfs snapshots).\n")
    md.append("| tool | median MiB | min–max MiB | n | × minipod |\n| --- | ---: | ---: | ---: | ---: |")
    for tool in ("minipod", "podman", "containerd"):
        st = S.get(("B8", tool, "disk-big-bytes"))
        if st:
            md.append(f"| {tool} | {f(st['median'] / MiB)} | {f(st['min'] / MiB)}–{f(st['max'] / MiB)} | {st['n']} | "
                      f"{f(ratio(st['median'], mp_disk), 2)}× |")
    md.append("")
    if pull_trace:
        md.append("`minipod --trace image pull -q` of the big image (one run, after the measurements):\n")
        md.append("```text\n" + pull_trace + "\n```\n")
    md.append("## B9 — run of a pod whose image is absent\n")
    md.append("`minipod run --network none` of a pod whose one container runs `/bin/true` from the small registry image "
              "(imagePullPolicy unset: IfNotPresent for the tag `:1`): present (pulled by the previous iteration, not right "
              "after its pull), then the same pod on the imported busybox root filesystem (`mpb-busybox`, the path `run` "
              "took before pulls existed), then absent (removed and pruned first, so the pull is included). podman: `run --rm --network none "
              "--tls-verify=false IMAGE /bin/true` of the absent image (after `rmi -f`), then present.\n")
    base = med("B9", "minipod", "run-absent")
    b9_rows = (("minipod run, image absent (pull + run)", "minipod", "run-absent"),
               ("podman run --rm, image absent (pull + run)", "podman", "run-absent"),
               ("minipod run, image present", "minipod", "run-present"),
               ("podman run --rm, image present", "podman", "run-present"),
               ("minipod run, imported root filesystem (today's path)", "minipod", "run-imported-rootfs"))
    table("B9", [row(label, "B9", tool, metric, base) for label, tool, metric in b9_rows])

md.append("## Failures\n")
md.append("\n".join(f"- {x}" for x in failures) if failures else "None.")
md.append("\n## Host after the run\n")
md.append("```text\n" + host_check + "\n```\n")

os.makedirs(args.out, exist_ok=True)
notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "NOTES.md")
with open(os.path.join(args.out, "results.md"), "w") as fh:
    fh.write("\n".join(md) + "\n")
    if os.path.exists(notes):
        fh.write("\n" + open(notes).read())
out = {"meta": meta, "runs": int(args.runs), "quick": args.quick == "1", "targets": targets,
       "measurements": [{"bench": b, "tool": t, "metric": mtr, **S[(b, t, mtr)]} for (b, t, mtr) in S if mtr not in ("start-per-pod", "rm-per-pod") or True],
       "b7": {"summary": b7_summary, "steps": [{"step": k, "median_delta_ms": d, "n": n} for k, d, n in b7_steps]},
       "b2_trace": b2_summary, "b5": b5, "pull_images": pull, "b8_pull_trace": pull_trace.splitlines(), "failures": failures, "host_after": host_check.splitlines()}
with open(os.path.join(args.out, "results.json"), "w") as fh:
    json.dump(out, fh, indent=1)
