#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/report.py - turn clshm-bench output into a table, files and plots.

    report.py OUTDIR RAW [RAW...]

RAW files (OUTDIR/raw-NAME.txt, NAME = local, fabric or fabric-plain)
hold what the guests printed: "@{...}" JSON records (samples of one cell
each, or "meta" lines), "# ..." progress lines and "T ..." lines of an
ftrace function_graph profile; with several guests each line starts with
"[gN] ".  OUTDIR/host-NAME.json, when there, says where and when each run
happened.  OUTDIR gets

    results.json   every cell: samples, median, min, max, quartiles,
                   ratios, counts; the goals; per run the host and guest
    results.csv    one line per cell and kind
    table.txt      the table printed at the end of "make bench"
    table.md       the same for Documentation/benchmarks.md
    profile.txt    where the time of each call goes (from the ftrace run)
    *.png          plots (needs python3-matplotlib; skipped without it)

Only the standard library is needed for everything but the plots.
"""
import csv
import json
import os
import re
import statistics
import sys

KINDS = ["sysv", "memfd", "clshm"]
REFS = ["private"]
# The fabric suite (rows 8 to 11): "remote" is a segment owned by the
# other partition (or, for rows 10 and 11, the two ends in two guests),
# "local" one owned by the measuring partition; the in-guest baselines of
# each row, the first one being the row's reference for the ratios.
FAB_BASES = {"8": ["sysv"], "9": ["private"], "10": ["sysv", "private"],
             "11": ["eventfd"]}
FAB_COUNTS = ("msgs_sent", "msgs_recv", "doorbells", "irqs")


def is_fabric(c):
    return c["suite"].startswith("fabric")


def quartiles(v):
    s = sorted(v)
    if len(s) == 1:
        return s[0], s[0]
    q = statistics.quantiles(s, n=4, method="inclusive")
    return q[0], q[2]


def stats(v):
    if not v:
        return None
    q1, q3 = quartiles(v)
    return {"n": len(v), "median": statistics.median(v), "min": min(v),
            "max": max(v), "q1": q1, "q3": q3}


def run_name(path):
    """raw-NAME.txt -> NAME (local, fabric, fabric-plain)."""
    m = re.match(r"^raw-(.+)\.txt$", os.path.basename(path))
    return m.group(1) if m else os.path.basename(path)


def parse(paths):
    """Records, the guests' meta lines per run (raw file), the trace."""
    recs, metas, trace = [], {}, []
    for path in paths:
        suite = "local"
        meta = metas.setdefault(run_name(path), {})
        with open(path, errors="replace") as f:
            for line in f:
                line = line.rstrip("\r\n")
                # vm/run prefixes "[gN] " with several guests.
                m = re.match(r"^(\[g(\d+)\] )?(.*)$", line)
                guest, body = m.group(2), m.group(3)
                if body.startswith("@{"):
                    try:
                        r = json.loads(body[1:], strict=False)
                    except ValueError:
                        continue
                    if "meta" in r:
                        if r["meta"] == "suite":
                            suite = r["value"]
                        meta.setdefault(r["meta"], r["value"])
                        continue
                    r["suite"] = suite
                    if guest is not None:
                        r["guest"] = int(guest)
                    recs.append(r)
                elif body.startswith("T "):
                    trace.append(body[2:])
    return recs, metas, trace


def key_of(r):
    return (r["suite"], r["row"], r["test"], r.get("variant", ""),
            r["size"], r["level"])


def build_cells(recs):
    """Group records into cells: one per (suite, row, test, variant, size,
    level), with every kind's statistics and the ratios."""
    cells, order = {}, []
    for r in recs:
        k = key_of(r)
        if k not in cells:
            cells[k] = {"suite": r["suite"], "row": r["row"], "test": r["test"],
                        "variant": r.get("variant", ""), "size": r["size"],
                        "level": r["level"], "unit": r["unit"], "kinds": {}}
            order.append(k)
        c = cells[k]
        st = stats(r["samples"])
        entry = {"samples": r["samples"], "stats": st}
        for f in ("faults", "faults_total", "syscalls", "syscall_names", "note") + FAB_COUNTS:
            if f in r:
                entry[f] = r[f]
        c["kinds"][r["kind"]] = entry
    for k in order:
        c = cells[k]
        higher = c["unit"] == "MB/s"
        c["better"] = "higher" if higher else "lower"
        ks = c["kinds"]
        med = {n: e["stats"]["median"] for n, e in ks.items() if e["stats"]}
        c["ratio"] = {}
        if is_fabric(c):
            # remote against local, and both against the in-guest baseline.
            bases = [b for b in FAB_BASES.get(c["row"], []) if b in med and med[b] > 0]
            c["baseline"] = bases[0] if bases else None
            if "remote" in med and med.get("local", 0) > 0:
                c["ratio"]["remote/local"] = med["remote"] / med["local"]
            for b in bases:
                for n in ("remote", "local"):
                    if n in med:
                        c["ratio"]["%s/%s" % (n, b)] = med[n] / med[b]
            mins = {n: e["stats"]["min"] for n, e in ks.items() if e["stats"]}
            if "remote" in mins and mins.get("local", 0) > 0:
                c["min_ratio"] = mins["remote"] / mins["local"]
            continue
        if "clshm" in med:
            for base in ("sysv", "memfd", "private"):
                if base in med and med[base] > 0:
                    c["ratio"]["clshm/" + base] = med["clshm"] / med[base]
            # Ratio of the minimums: the cost with the least interference
            # from the rest of the machine (a loaded host preempts vCPUs).
            mins = {n: e["stats"]["min"] for n, e in ks.items() if e["stats"]}
            if "sysv" in mins and mins["sysv"] > 0:
                c["min_ratio"] = mins["clshm"] / mins["sysv"]
            # Paired ratios: repetition r of clshm against repetition r of
            # System V (they ran back to back): their spread says how
            # sure the ratio is.
            if "sysv" in ks and ks["sysv"]["stats"]:
                a, b = ks["clshm"]["samples"], ks["sysv"]["samples"]
                pr = [x / y for x, y in zip(a, b) if y > 0]
                if len(pr) >= 2:
                    q1, q3 = quartiles(pr)
                    c["paired_ratio_iqr"] = [q1, q3]
    # Rows in order, each suite's cells together (a stable sort).
    suites = []
    for k in order:
        if k[0] not in suites:
            suites.append(k[0])
    order.sort(key=lambda k: (suites.index(k[0]), int(k[1]) if k[1].isdigit() else 99))
    return [cells[k] for k in order]


def find(cells, row, test, size=None, variant="", level=None, suite="local"):
    for c in cells:
        if (c["suite"] == suite and c["row"] == row and c["test"] == test and
                c["variant"] == variant and (size is None or c["size"] == size)
                and (level is None or c["level"] == level)):
            return c
    return None


def med(c, kind):
    if not c or kind not in c["kinds"] or not c["kinds"][kind]["stats"]:
        return None
    return c["kinds"][kind]["stats"]["median"]


def fmt_size(n):
    if n == 0:
        return "-"
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return "%d MiB" % (n >> 20)
    if n >= 1024 and n % 1024 == 0:
        return "%d KiB" % (n >> 10)
    return "%d B" % n


def fmt_val(v, unit):
    if v is None:
        return "n/a"
    if unit == "MB/s":
        return "%.0f" % v
    if unit in ("ns/op", "ns/cycle", "ns/rt", "ns/wake") and v >= 10000:
        return "%.1f us" % (v / 1000)
    if unit in ("ns/op", "ns/cycle", "ns/rt", "ns/wake"):
        return "%.0f ns" % v
    if v >= 100:
        return "%.0f" % v
    return "%.1f" % v


# --- goals ------------------------------------------------------------------

def goal(gid, text, value, threshold, met, detail, source="issue 4"):
    return {"id": gid, "goal": text, "value": value, "threshold": threshold,
            "met": met, "detail": detail, "source": source}


def over(value, limit):
    """How far a lower-is-better ratio is past its limit, in percent."""
    return (value / limit - 1) * 100


def minr(c):
    return "; fastest against fastest %.2fx" % c["min_ratio"] if c and c.get("min_ratio") else ""


def goals(cells):
    out = []
    MiB = 1 << 20

    # G1: attach + first read of a filled segment, >= 3x faster than SysV,
    # <= 1 fault per 64 KiB.
    for size in (2 * MiB, 16 * MiB, 64 * MiB):
        c = find(cells, "2", "attach+read", size)
        if not c or "clshm/sysv" not in c["ratio"]:
            continue
        r = c["ratio"]["clshm/sysv"]
        ft = c["kinds"]["clshm"].get("faults_total")
        per64 = ft / (size / 65536) if ft is not None else None
        met = r <= 1 / 3 and per64 is not None and per64 <= 1
        out.append(goal(
            "attach-read-%s" % fmt_size(size).replace(" ", ""),
            "attach+read of a filled %s segment >= 3x faster than SysV, <= 1 fault per 64 KiB"
            % fmt_size(size),
            r, 1 / 3, met,
            "%.2fx faster (%.3f of SysV); %s faults per attach in all (%.4f per 64 KiB;"
            " SysV %.0f, memfd %.0f)"
            % (1 / r, r, "%.2f" % ft if ft is not None else "?",
               per64 if per64 is not None else float("nan"),
               c["kinds"]["sysv"].get("faults_total", float("nan")),
               c["kinds"].get("memfd", {}).get("faults_total", float("nan")))))

    # G2: untouched create/attach/detach/remove within 1.2x.
    for op in ("get", "attach", "detach", "remove", "cycle"):
        worst = None
        for size in (4096, 2 * MiB, 64 * MiB):
            c = find(cells, "1", op, size)
            if c and "clshm/sysv" in c["ratio"]:
                r = c["ratio"]["clshm/sysv"]
                if worst is None or r > worst[0]:
                    worst = (r, size, c)
        if worst:
            r, size, c = worst
            all_r = ", ".join(
                "%s %.2f" % (fmt_size(z), find(cells, "1", op, z)["ratio"]["clshm/sysv"])
                for z in (4096, 2 * MiB, 64 * MiB) if find(cells, "1", op, z))
            extra = ""
            if c.get("min_ratio") is not None:
                extra += "; fastest against fastest %.2fx" % c["min_ratio"]
            d = find(cells, "1", op, size, suite="local:daemon-stopped")
            if d and "clshm/sysv" in d["ratio"]:
                extra += "; with clshmd stopped %.2fx" % d["ratio"]["clshm/sysv"]
            out.append(goal(
                "untouched-" + op, "untouched %s within 1.2x of SysV (4 KiB, 2 MiB, 64 MiB)" % op,
                r, 1.2, r <= 1.2,
                "worst %.2fx at %s (%s)%s%s" % (
                    r, fmt_size(size), all_r,
                    "; %.1f%% over the goal" % over(r, 1.2) if r > 1.2 else "", extra)))

    # Issue 11: what a listening "clshmctl monitor" adds to clshm's
    # untouched 4 KiB create/attach/detach/remove cycle (row 13: every
    # repetition runs the cycle with no listener and with each listener,
    # back to back).  The value is the median of the repetitions' paired
    # ratios, which the host's drift between repetitions does not move;
    # System V (it sends no events) shows what is left of the noise.
    off = find(cells, "13", "cycle", 4096)

    def paired(c, kind):
        if not c or not off or kind not in c["kinds"] or kind not in off["kinds"]:
            return None
        pr = [x / y for x, y in zip(c["kinds"][kind]["samples"],
                                    off["kinds"][kind]["samples"]) if y > 0]
        return statistics.median(pr) if pr else None

    mon = find(cells, "13", "cycle", 4096, variant="monitor")
    r = paired(mon, "clshm")
    if r is not None:
        extra = ""
        for tag, label in (("listen-read", "a raw listener that reads and drops"),
                           ("listen-hold", "one that never reads"),
                           ("monitor", "the monitor")):
            c = find(cells, "13", "cycle", 4096, variant=tag)
            x, sv = paired(c, "clshm"), paired(c, "sysv")
            if x is not None and sv is not None:
                extra += "; %s %.2fx (System V, which sends no events, %.2fx)" % (label, x, sv)
        out.append(goal(
            "monitor-cost",
            "a listening clshmctl monitor adds under 5% to create/attach/detach/remove (4 KiB)",
            r, 1.05, r <= 1.05,
            "%.2fx, median of paired repetitions (medians %s -> %s a cycle)%s" % (
                r, fmt_val(med(off, "clshm"), "ns/cycle"),
                fmt_val(med(mon, "clshm"), "ns/cycle"), extra),
            source="issue 11"))

    # G3: populate within 1.1x of SysV + MADV_POPULATE_WRITE.
    size = 16 * MiB
    pw = find(cells, "3", "populate_write", size)
    touch = find(cells, "3", "touch", size)
    base = med(pw, "sysv")
    if base:
        for label, c in (("touch", touch), ("MADV_POPULATE_WRITE", pw)):
            v = med(c, "clshm")
            if v is None:
                continue
            r = v / base
            out.append(goal(
                "populate-" + ("touch" if label == "touch" else "madv"),
                "populate 16 MiB fresh (clshm %s) within 1.1x of SysV + MADV_POPULATE_WRITE" % label,
                r, 1.1, r <= 1.1,
                "%.2fx%s; fastest against fastest %.2fx" % (
                    r, "; %.1f%% over the goal" % over(r, 1.1) if r > 1.1 else "",
                    c["kinds"]["clshm"]["stats"]["min"] / pw["kinds"]["sysv"]["stats"]["min"])))
        hpw = find(cells, "3", "populate_write", size, variant="huge")
        hs = med(hpw, "sysv")
        best = min(x for x in (med(touch, "clshm"), med(pw, "clshm")) if x is not None) \
            if (med(touch, "clshm") or med(pw, "clshm")) else None
        if best is not None:
            r = best / base
            # clshm has no huge-page flag; its segments of 2 MiB or more
            # may use huge folios by themselves (one fault per 2 MiB).
            fpp = touch["kinds"]["clshm"].get("faults") if touch and "clshm" in touch["kinds"] else None
            huge = fpp is not None and 0 < fpp <= 1.5 / 512
            out.append(goal(
                "populate-huge",
                "populate >= 2x faster than SysV 4 KiB + MADV_POPULATE_WRITE where huge pages apply",
                r, 0.5, r <= 0.5,
                "%s: its best populate is %.2fx SysV's%s"
                % ("clshm uses huge folios (%.5f faults per 4 KiB page, one per 2 MiB)" % fpp if huge
                   else "clshm has no huge pages", r,
                   "; SysV SHM_HUGETLB + MADV_POPULATE_WRITE reaches %.2fx (%.1fx faster)"
                   % (hs / base, base / hs) if hs else "")))

    # Anchor goal (not in the issue): teardown of filled segments <= 1.1x.
    for op in ("detach(filled)", "remove(filled)"):
        c = find(cells, "4", op, size)
        if c and "clshm/sysv" in c["ratio"]:
            r = c["ratio"]["clshm/sysv"]
            out.append(goal(
                "teardown-" + op.split("(")[0],
                "%s of a 16 MiB segment within 1.1x of SysV per page" % op, r, 1.1,
                r <= 1.1, "%.2fx%s%s" % (r, "; %.1f%% over" % over(r, 1.1) if r > 1.1 else "", minr(c)),
                source="anchors-perf.md"))

    # G5: bandwidth and ping-pong equal to private memory within 5%.
    worst = None
    rows = []
    for c in cells:
        if c["suite"] == "local" and c["row"] == "5" and "clshm/private" in c["ratio"]:
            r = c["ratio"]["clshm/private"]
            rows.append("%s %s %.2f" % (c["test"].replace("memcpy-", ""), fmt_size(c["size"]), r))
            if worst is None or r < worst[0]:
                worst = (r, c)
    if worst:
        r, c = worst
        out.append(goal(
            "bandwidth", "memcpy into/out of a segment >= 0.95x private memory (4 KiB..64 MiB)",
            r, 0.95, r >= 0.95,
            "worst %.2fx (%s %s); all: %s" % (r, c["test"], fmt_size(c["size"]), "; ".join(rows))))
    c = find(cells, "6", "pingpong")
    if c and "clshm/private" in c["ratio"]:
        r = c["ratio"]["clshm/private"]
        out.append(goal(
            "pingpong", "ping-pong round trip within 1.05x of private memory (two threads)",
            r, 1.05, r <= 1.05,
            "%.2fx private; %.2fx SysV; %.2fx memfd" % (
                r, c["ratio"].get("clshm/sysv", float("nan")),
                c["ratio"].get("clshm/memfd", float("nan")))))

    # G6: per-op cost flat from 10 to 10,000 live segments.
    levels = sorted({c["level"] for c in cells if c["row"] == "7" and c["level"] > 0})
    if len(levels) >= 2:
        lo, hi = levels[0], levels[-1]
        for op in ("get(create)", "get(lookup)", "attach", "detach", "remove"):
            a = find(cells, "7", op, level=lo)
            b = find(cells, "7", op, level=hi)
            if not a or not b or med(a, "clshm") is None or med(b, "clshm") is None:
                continue
            r = med(b, "clshm") / med(a, "clshm")
            sv = med(b, "sysv") / med(a, "sysv") if med(a, "sysv") else None
            out.append(goal(
                "flat-" + op, "clshm %s with %d live segments within 1.2x of with %d" % (op, hi, lo),
                r, 1.2, r <= 1.2,
                "%.2fx (SysV %s)%s" % (r, "%.2fx" % sv if sv else "n/a",
                                       "; %.1f%% over" % over(r, 1.2) if r > 1.2 else "")))
    # Churn (issue 9): attach, touch one byte, detach of a 2 MiB segment
    # within 1.2x of SysV.
    c = find(cells, "7", "churn(at+touch+dt)", 2 * MiB)
    if c and "clshm/sysv" in c["ratio"]:
        r = c["ratio"]["clshm/sysv"]
        out.append(goal(
            "churn", "attach + touch + detach of a 2 MiB segment within 1.2x of SysV",
            r, 1.2, r <= 1.2,
            "%.2fx (%s against %s)%s" % (
                r, fmt_ns(med(c, "clshm")), fmt_ns(med(c, "sysv")),
                "; %.1f%% over the goal" % over(r, 1.2) if r > 1.2 else ""),
            source="issue 9"))
    out += fabric_goals(cells)
    return out


def fmt_ns(v):
    if v is None:
        return "?"
    return "%.1f us" % (v / 1000) if v >= 10000 else "%.0f ns" % v


def compare(dest, dirs):
    """--compare OUT.md DIR...: the goals of runs on several kernels side
    by side (bench/run --kernels), with the huge-folio rows of issue 9."""
    runs = []
    for d in dirs:
        p = os.path.join(d, "results.json")
        if not os.path.exists(p):
            print("report: no %s: skipped" % p, file=sys.stderr)
            continue
        with open(p) as f:
            j = json.load(f)
        guest = j["runs"].get("local", {}).get("guest") or next(
            iter(j["runs"].values()), {}).get("guest", {})
        rel = re.search(r"\b\d+\.\d+\.\d+\S*", guest.get("guest_uname", ""))
        runs.append((rel.group(0) if rel else os.path.basename(d), j))
    if not runs:
        print("report: nothing to compare", file=sys.stderr)
        return 1
    MiB = 1 << 20
    lines = ["# clshm benchmarks on several kernels", "",
             "Made by `bench/run --kernels` (make bench) from %s." % ", ".join(
                 "`%s`" % os.path.join(d, "results.json") for d in dirs), "",
             "## Huge folios (issue 9)", "",
             "| measure | " + " | ".join(k for k, _ in runs) + " |",
             "|---|" + "---|" * len(runs)]

    def add(label, fn):
        vals = []
        for _, j in runs:
            try:
                vals.append(fn(j["cells"]))
            except (KeyError, TypeError, ZeroDivisionError):
                vals.append("n/a")
        lines.append("| %s | %s |" % (label, " | ".join(vals)))

    add("populate 16 MiB, clshm touch / SysV 4 KiB + MADV_POPULATE_WRITE",
        lambda c: "%.2fx" % (med(find(c, "3", "touch", 16 * MiB), "clshm") /
                             med(find(c, "3", "populate_write", 16 * MiB), "sysv")))
    add("populate 16 MiB, SysV SHM_HUGETLB + MADV_POPULATE_WRITE / SysV 4 KiB",
        lambda c: "%.2fx" % (med(find(c, "3", "populate_write", 16 * MiB, variant="huge"), "sysv") /
                             med(find(c, "3", "populate_write", 16 * MiB), "sysv")))
    add("clshm faults per 4 KiB page, first touch of 16 MiB",
        lambda c: "%.5f" % find(c, "3", "touch", 16 * MiB)["kinds"]["clshm"]["faults"])
    add("churn 2 MiB (attach + touch + detach), clshm / SysV",
        lambda c: "%.2fx (%s)" % (find(c, "7", "churn(at+touch+dt)", 2 * MiB)["ratio"]["clshm/sysv"],
                                  fmt_ns(med(find(c, "7", "churn(at+touch+dt)", 2 * MiB), "clshm"))))
    for size in (2 * MiB, 16 * MiB, 64 * MiB):
        add("attach+read of a filled %s: clshm / SysV, clshm faults" % fmt_size(size),
            lambda c, size=size: "%.2fx, %s" % (
                find(c, "2", "attach+read", size)["ratio"]["clshm/sysv"],
                "%g" % find(c, "2", "attach+read", size)["kinds"]["clshm"]["faults_total"]))
    lines += ["", "## Goals", "",
              "| goal | " + " | ".join(k for k, _ in runs) + " |",
              "|---|" + "---|" * len(runs)]
    ids = []
    for _, j in runs:
        for g in j["goals"]:
            if g["id"] not in ids:
                ids.append(g["id"])
    for gid in ids:
        row, text = [], None
        for _, j in runs:
            g = next((g for g in j["goals"] if g["id"] == gid), None)
            if g is None:
                row.append("n/a")
                continue
            text = text or g["goal"]
            row.append("%s %.3g" % ("met" if g["met"] else "**missed**", g["value"]))
        lines.append("| %s | %s |" % (text, " | ".join(row)))
    txt = "\n".join(lines) + "\n"
    with open(dest, "w") as f:
        f.write(txt)
    sys.stdout.write("\n" + txt)
    return 0


def fabric_goals(cells):
    """The issue's data-path goals (bandwidth and ping-pong inside a segment
    equal to private memory within 5%) applied to segments that live on the
    fabric: owned by the other partition (remote) or by this one (local)."""
    out = []
    src = "issue 4, fabric segments"
    for kind in ("remote", "local"):
        worst, rows = None, []
        for c in cells:
            if c["suite"] != "fabric" or c["row"] != "9" or c["variant"]:
                continue
            r = c["ratio"].get("%s/private" % kind)
            if r is None:
                continue
            rows.append("%s %s %.2f" % (c["test"].replace("memcpy-", ""), fmt_size(c["size"]), r))
            if worst is None or r < worst[0]:
                worst = (r, c)
        if worst:
            r, c = worst
            out.append(goal(
                "fabric-bandwidth-" + kind,
                "memcpy into/out of a %s segment >= 0.95x private memory (4 KiB..16 MiB, one reader)"
                % ("remote (other partition's)" if kind == "remote" else "local fabric"),
                r, 0.95, r >= 0.95,
                "worst %.2fx (%s %s); all: %s" % (r, c["test"], fmt_size(c["size"]), "; ".join(rows)),
                source=src))
    c = find(cells, "10", "pingpong", suite="fabric")
    if c and "local/private" in c["ratio"]:
        r = c["ratio"]["local/private"]
        rl = c["ratio"].get("remote/local")
        out.append(goal(
            "fabric-pingpong", "ping-pong through a local fabric segment (two processes) within"
            " 1.05x of private memory (two threads)", r, 1.05, r <= 1.05,
            "%.2fx private; %.2fx System V (two processes); between the two guests %s"
            % (r, c["ratio"].get("local/sysv", float("nan")),
               "%.2fx the in-guest clshm round trip" % rl if rl else "n/a"),
            source=src))
    return out


# --- the table ----------------------------------------------------------------

def cell_goal_marks(gs):
    return {g["id"]: g for g in gs}


def table_rows(cells):
    """(row, test, size/level, unit, per-kind medians with IQR, ratios,
    faults, syscalls) for every cell."""
    rows = []
    for c in cells:
        if is_fabric(c):
            continue
        ks = c["kinds"]
        def col(kind):
            e = ks.get(kind)
            if not e or not e["stats"]:
                return "n/a"
            s = e["stats"]
            return "%s [%s-%s]" % (fmt_val(s["median"], c["unit"]),
                                  fmt_val(s["q1"], c["unit"]).replace(" us", "").replace(" ns", ""),
                                  fmt_val(s["q3"], c["unit"]))
        where = fmt_size(c["size"])
        if c["level"] is not None and c["level"] >= 0:
            where = "%d live" % c["level"]
        name = c["test"] + (" (%s)" % c["variant"] if c["variant"] else "")
        if c["suite"] != "local":
            name = "[%s] %s" % (c["suite"].replace("local:", ""), name)
        fl = []
        sc = []
        for kind in KINDS:
            e = ks.get(kind)
            if e and "faults" in e and e["stats"]:
                fl.append("%.3g" % e["faults"])
            elif e and e["stats"]:
                fl.append("-")
            if e and "syscalls" in e:
                sc.append(str(e["syscalls"]))
        ref = ""
        if "private" in ks and ks["private"]["stats"]:
            ref = fmt_val(ks["private"]["stats"]["median"], c["unit"])
        rat = c["ratio"].get("clshm/sysv")
        ratm = c["ratio"].get("clshm/memfd")
        ratp = c["ratio"].get("clshm/private")
        notes = [e["note"] for e in ks.values() if e.get("note")]
        rows.append({
            "row": c["row"], "test": name, "where": where, "unit": c["unit"],
            "sysv": col("sysv"), "memfd": col("memfd"), "clshm": col("clshm"),
            "private": ref,
            "ratio": "%.2f" % rat if rat is not None else "n/a",
            "min_ratio": "%.2f" % c["min_ratio"] if c.get("min_ratio") is not None else "",
            "ratio_memfd": "%.2f" % ratm if ratm is not None else "n/a",
            "ratio_private": "%.2f" % ratp if ratp is not None else "",
            "faults": "/".join(fl) if fl else "",
            "syscalls": "/".join(sc) if sc else "",
            "note": "; ".join(notes),
        })
    return rows


HEAD = ["row", "test", "size", "unit", "sysv median [IQR]", "memfd", "clshm",
        "private", "clshm/sysv", "min/min", "clshm/memfd", "clshm/private",
        "faults/unit s/m/c", "syscalls s/m/c"]
KEYS = ["row", "test", "where", "unit", "sysv", "memfd", "clshm", "private",
        "ratio", "min_ratio", "ratio_memfd", "ratio_private", "faults", "syscalls"]


FHEAD = ["row", "test", "size", "unit", "remote median [IQR]", "local", "in-guest baselines",
         "remote/local", "min/min", "remote/base", "local/base", "faults/unit r/l/b",
         "msgs sent/recv, bells, irqs (remote)"]
FKEYS = ["row", "test", "where", "unit", "remote", "local", "bases", "ratio", "min_ratio",
         "ratio_base", "ratio_local_base", "faults", "counts"]


def cell_col(c, kind, named=False):
    e = c["kinds"].get(kind)
    if not e or not e["stats"]:
        return "n/a"
    s = e["stats"]
    return "%s%s [%s-%s]" % (kind + " " if named else "", fmt_val(s["median"], c["unit"]),
                             fmt_val(s["q1"], c["unit"]).replace(" us", "").replace(" ns", ""),
                             fmt_val(s["q3"], c["unit"]))


def fabric_rows(cells):
    """The fabric suite's cells: remote, local, the in-guest baselines, the
    ratios and the exact counts (faults; the measuring partition's
    mailbox messages, doorbells and interrupts per operation)."""
    rows = []
    for c in cells:
        if not is_fabric(c):
            continue
        ks = c["kinds"]
        bases = [b for b in FAB_BASES.get(c["row"], []) if b in ks]
        name = c["test"] + (" (%s)" % c["variant"] if c["variant"] else "")
        tag = c["suite"].split(":", 1)[1] if ":" in c["suite"] else ""
        if tag:
            name = "[%s] %s" % (tag, name)
        base = c.get("baseline")
        fl = []
        for kind in ["remote", "local"] + bases:
            e = ks.get(kind)
            if e and "faults" in e and e["stats"]:
                fl.append("%.3g" % e["faults"])
            elif e and e["stats"]:
                fl.append("-")
        e = ks.get("remote", {})
        counts = ""
        if all(f in e for f in FAB_COUNTS):
            counts = "%.3g/%.3g, %.3g, %.3g" % tuple(e[f] for f in FAB_COUNTS)
        r = c["ratio"]
        rows.append({
            "row": c["row"], "test": name, "where": fmt_size(c["size"]), "unit": c["unit"],
            "remote": cell_col(c, "remote"), "local": cell_col(c, "local"),
            "bases": "; ".join(cell_col(c, b, named=True) for b in bases) or "n/a",
            "ratio": "%.2f" % r["remote/local"] if "remote/local" in r else "n/a",
            "min_ratio": "%.2f" % c["min_ratio"] if c.get("min_ratio") is not None else "",
            "ratio_base": "%.2f" % r["remote/" + base] if base and "remote/" + base in r else "",
            "ratio_local_base": "%.2f" % r["local/" + base] if base and "local/" + base in r else "",
            "faults": "/".join(fl) if any(f != "-" for f in fl) else "",
            "counts": counts,
        })
    return rows


def machine_lines(hosts, metas):
    """Where and when each run (local, fabric, fabric-plain) happened."""
    out = []
    for name, meta in metas.items():
        host = hosts.get(name, {})
        out += [
            "%s run: tree %s, %s, %s, %s s with the boot%s" % (
                name, host.get("tree", "?"), host.get("date", "?"), host.get("command", "?"),
                host.get("guest_seconds", "?"),
                " (QUICK: few repetitions)" if meta.get("quick") == "1" else ""),
            "  host: %s, %s CPUs, kernel %s, %s; load average %s before, %s after;"
            " %s other QEMUs running at the start" % (
                host.get("cpu", "?"), host.get("cpus", "?"), host.get("kernel", "?"),
                host.get("qemu", "?"), host.get("loadavg_before", "?"),
                host.get("loadavg_after", "?"), host.get("other_qemus_before", "?")),
            "  guest: %s; %s CPUs (TCG); %s; THP %s, shmem THP %s; %s huge pages" % (
                meta.get("guest_uname", "?"), meta.get("guest_cpus", "?"),
                " ".join(meta.get("guest_memtotal", "?").replace("MemTotal:", "memory").split()),
                meta.get("guest_thp_enabled", "?"), meta.get("guest_thp_shmem", "?"),
                meta.get("guest_nr_hugepages", "?")),
            "  guest kernel command line: %s" % meta.get("guest_cmdline", "?"),
        ]
        if meta.get("fabric_g1"):
            out.append("  fabric (guest 1): %s" % meta["fabric_g1"])
    return out


def text_block(out, rows, head, keys):
    w = [max(len(head[i]), *(len(r[keys[i]]) for r in rows)) for i in range(len(keys))]
    line = "  ".join(head[i].ljust(w[i]) for i in range(len(keys)))
    out.append(line)
    out.append("-" * len(line))
    last = None
    for r in rows:
        if last is not None and r["row"] != last:
            out.append("")
        last = r["row"]
        out.append("  ".join(r[keys[i]].ljust(w[i]) for i in range(len(keys))).rstrip())
    out.append("")


def text_table(rows, frows, gs, metas, hosts):
    out = machine_lines(hosts, metas)
    if rows:
        out.append("medians of interleaved repetitions [quartiles]; clshm/X = clshm median / X median;"
                   " min/min = fastest clshm / fastest sysv repetition")
        out.append("")
        text_block(out, rows, HEAD, KEYS)
    if frows:
        out.append("Fabric suite (two guests, one partition each; guest 1 measures): remote = segment"
                   " of the other partition (rows 10, 11: the two ends in the two guests), local ="
                   " this partition's; base = the row's first in-guest baseline;"
                   " min/min = fastest remote / fastest local")
        out.append("")
        text_block(out, frows, FHEAD, FKEYS)
    out.append("Goals (ratio = clshm / baseline, same guest, same run):")
    for g in gs:
        out.append("  %-6s %-22s %s -- %s" % ("MET" if g["met"] else "MISSED", g["id"],
                                             g["goal"], g["detail"]))
    return "\n".join(out) + "\n"


def md_table(rows, frows, gs):
    out = []
    for rs, head, keys in ((rows, HEAD, KEYS), (frows, FHEAD, FKEYS)):
        if not rs:
            continue
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in rs:
            out.append("| " + " | ".join(r[k].replace("|", "/") or " " for k in keys) + " |")
        out.append("")
    out.append("| goal | status | detail |")
    out.append("|---|---|---|")
    for g in gs:
        out.append("| %s (%s) | **%s** | %s |" % (g["goal"], g["source"],
                                                  "met" if g["met"] else "missed", g["detail"]))
    return "\n".join(out) + "\n"


# --- the profile --------------------------------------------------------------

MAXDEPTH = 6
LINE = re.compile(r"^\s*(?:([0-9]+\.[0-9]+)\s*\|)?\s*(?:[!#*@+$&=-]\s*)?(?:([0-9.]+) us)?\s*\|(\s*)(.*)$")


def profile(trace):
    """Sum function_graph durations per (kind, step): the syscalls and page
    faults at the top, their children and grandchildren below.  Times come
    from the absolute timestamps (funcgraph-abstime), so a function whose
    closing line the trace lacks still gets its time: it ended when the
    next line at its depth or above began."""
    agg, order = {}, []
    cur, stack = None, []  # stack: [depth, name, start]

    def add(depth, name, dur):
        # Keyed by the path from the top (syscall or fault) down.
        if cur is None or depth > MAXDEPTH:
            return
        path = tuple(e[1] for e in stack[:depth]) + (name,)
        d = agg[cur].setdefault(path, [0.0, 0])
        d[0] += dur
        d[1] += 1

    def close_to(depth, ts):
        while stack and stack[-1][0] >= depth:
            dep, name, start = stack[-1]
            add(dep, name, (ts - start) * 1e6)
            stack.pop()

    for line in trace:
        m = LINE.match(line)
        if not m or m.group(1) is None:
            continue
        ts = float(m.group(1))
        dur, indent, text = m.group(2), m.group(3), m.group(4).strip()
        depth = max(0, (len(indent) - 2) // 2)
        mk = re.match(r"^/\* bench (\S+)(?: (\S+))? \*/", text)
        if mk:
            close_to(0, ts)
            cur = None if mk.group(1) == "end" else (mk.group(1), mk.group(2))
            if cur and cur not in agg:
                agg[cur] = {}
                order.append(cur)
            continue
        if text.startswith("/*"):
            continue
        nm = re.match(r"^\} /\* (.+) \*/$", text)
        if nm:
            # The closing line of the innermost open function at this depth.
            close_to(depth + 1, ts)
            if stack and stack[-1][0] == depth:
                dep, name, start = stack[-1]
                add(dep, name, float(dur) if dur else (ts - start) * 1e6)
                stack.pop()
            continue
        close_to(depth, ts)
        if text.endswith("() {"):
            stack.append([depth, text[:-4], ts])
        elif text.endswith("();") and dur:
            add(depth, text[:-3], float(dur))
    out = ["Where the time of one call goes (ftrace function_graph in the guest,",
           "microseconds summed over the profiled cycles; tracing adds its own",
           "overhead to every function: compare shares, not totals).", ""]
    def tree(items, path, total, indent):
        kids = sorted(((v[0], p) for p, v in items.items()
                       if len(p) == len(path) + 1 and p[:len(path)] == path), reverse=True)
        for t, p in kids:
            if total and t / total >= 0.04:
                out.append("    %s%-*s %7.0f us %3.0f%%" % ("  " * indent, 46 - 2 * indent,
                                                          p[-1][:46 - 2 * indent], t, 100 * t / total))
                tree(items, p, total, indent + 1)

    for cur in order:
        items = agg[cur]
        tops = sorted(((v[0], p[0], v[1]) for p, v in items.items() if len(p) == 1), reverse=True)
        total = sum(t[0] for t in tops)
        out.append("%s %s: %.0f us in %s" % (cur[0], cur[1], total,
                                              ", ".join("%s x%d %.0f" % (n, c, t) for t, n, c in tops) or "-"))
        for t, n, c in tops:
            tree(items, (n,), total, 0)
        out.append("")
    return "\n".join(out) + "\n"


# --- plots ---------------------------------------------------------------------

def legend(ax, **kw):
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kw)


COLORS = {"sysv": "#4477aa", "memfd": "#ccbb44", "clshm": "#ee6677", "private": "#999999",
          "remote": "#aa3377", "local": "#ee6677", "eventfd": "#66ccee"}


def fabric_plot(cells, plt, save):
    """fabric.png: the fabric suite's rows 8 to 11, remote against local and
    the in-guest baselines."""
    fab = [c for c in cells if c["suite"] == "fabric"]
    if not fab:
        return
    fig, grid = plt.subplots(2, 3, figsize=(16, 8))
    axes = [grid[0][0], grid[0][1], grid[0][2], grid[1][1], grid[1][2], grid[1][0]]

    def bar(ax, c, kinds, x0, w, scale=1.0, labels=True):
        for j, kind in enumerate(kinds):
            e = c["kinds"].get(kind) if c else None
            if not e or not e["stats"]:
                continue
            s = e["stats"]
            ax.bar(x0 + (j - (len(kinds) - 1) / 2) * w, s["median"] / scale, w,
                   yerr=[[(s["median"] - s["q1"]) / scale], [(s["q3"] - s["median"]) / scale]],
                   color=COLORS.get(kind, "#777777"), capsize=2,
                   label=kind if labels else None)

    # Row 8: the operations at 4 KiB and 2 MiB, log scale.
    ops = ["get(create)", "get(lookup)", "stat", "attach", "detach", "remove"]
    for ax, size in ((axes[0], 4096), (axes[5], 2 << 20)):
        for i, op in enumerate(ops):
            bar(ax, find(cells, "8", op, size, suite="fabric"), ["remote", "local", "sysv"],
                i, 0.27, 1000, labels=i == 0)
        ax.set_xticks(range(len(ops)))
        ax.set_xticklabels(ops, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("us per op (median, IQR; log)")
        ax.set_title("untouched %s segment: the other partition's (remote)"
                     " or this one's (local)" % fmt_size(size), fontsize=9)
        legend(ax, fontsize=8)

    # Row 9: bandwidth against the copy size.
    for ax, tests in ((axes[1], [("memcpy-into", "", "-"), ("memcpy-out", "", "--")]),
                      (axes[2], [("memcpy-out", "", "--"), ("memcpy-out", "shared", ":")])):
        for test, variant, ls in tests:
            for kind in ("remote", "local", "private"):
                cs = sorted((c for c in fab if c["row"] == "9" and c["test"] == test and
                             c["variant"] == variant and kind in c["kinds"]),
                            key=lambda c: c["size"])
                if not cs:
                    continue
                ax.plot([c["size"] for c in cs], [c["kinds"][kind]["stats"]["median"] for c in cs],
                        marker="o", ls=ls, color=COLORS[kind],
                        label="%s %s%s" % (kind, test.replace("memcpy-", ""),
                                           " (2 readers)" if variant else ""))
        ax.set_xscale("log", base=2)
        sizes = sorted({c["size"] for c in fab if c["row"] == "9"})
        ax.set_xticks(sizes)
        ax.set_xticklabels([fmt_size(z) for z in sizes], fontsize=8)
        ax.set_xlabel("copy size")
        ax.set_ylim(bottom=0)
        legend(ax, fontsize=7)
    axes[1].set_ylabel("MB/s (median)")
    axes[1].set_title("memcpy into / out of a segment")
    axes[2].set_title("out, alone and with a second reader")

    # Row 10: ping-pong.
    c = find(cells, "10", "pingpong", suite="fabric")
    kinds = [k for k in ("remote", "local", "sysv", "private") if c and k in c["kinds"]]
    for i, kind in enumerate(kinds):
        bar(axes[3], c, [kind], i, 0.7)
    axes[3].set_xticks(range(len(kinds)))
    axes[3].set_xticklabels(["2 guests" if k == "remote" else k for k in kinds], fontsize=8)
    axes[3].set_ylabel("ns per round trip")
    axes[3].set_title("1-line ping-pong")

    # Row 11: wake-up latency, with the polling run when there is one.
    bars = []
    for suite, label in (("fabric", ""), ("fabric:plain", " polling")):
        c = find(cells, "11", "wakeup", suite=suite)
        for kind in ("remote", "local", "eventfd"):
            if c and kind in c["kinds"] and c["kinds"][kind]["stats"] and (
                    suite == "fabric" or kind == "remote"):
                bars.append((("2 guests" if kind == "remote" else kind) + label, c, kind))
    for i, (label, c, kind) in enumerate(bars):
        bar(axes[4], c, [kind], i, 0.7, 1000)
    axes[4].set_xticks(range(len(bars)))
    axes[4].set_xticklabels([b[0] for b in bars], fontsize=8, rotation=15)
    axes[4].set_yscale("log")
    axes[4].set_ylabel("us per wake-up (log)")
    axes[4].set_title("xp_shmwake -> xp_shmwait")
    save(fig, "fabric.png")


def plots(cells, gs, outdir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: python3-matplotlib is not installed: no plots "
              "(apt-get install python3-matplotlib)", file=sys.stderr)
        return []
    made = []
    MiB = 1 << 20

    def err(c, kind, scale=1.0):
        s = c["kinds"][kind]["stats"]
        return [[(s["median"] - s["q1"]) / scale], [(s["q3"] - s["median"]) / scale]]

    def save(fig, name):
        p = os.path.join(outdir, name)
        fig.tight_layout()
        fig.savefig(p, dpi=80)
        plt.close(fig)
        made.append(p)

    # The local suite's plots (rows 1 to 7), when it ran.
    if any(c["suite"] == "local" for c in cells):
        # 1: untouched ops.
        sizes = [4096, 2 * MiB, 64 * MiB]
        ops = ["get", "attach", "detach", "remove"]
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
        for ax, size in zip(axes, sizes):
            for j, kind in enumerate(KINDS):
                xs, ys, es = [], [], [[], []]
                for i, op in enumerate(ops):
                    c = find(cells, "1", op, size)
                    if c and kind in c["kinds"] and c["kinds"][kind]["stats"]:
                        xs.append(i + (j - 1) * 0.27)
                        ys.append(c["kinds"][kind]["stats"]["median"] / 1000)
                        e = err(c, kind, 1000)
                        es[0] += e[0]
                        es[1] += e[1]
                ax.bar(xs, ys, 0.27, yerr=es, color=COLORS[kind], label=kind, capsize=2)
            ax.set_xticks(range(len(ops)))
            ax.set_xticklabels(ops)
            ax.set_title("untouched, %s" % fmt_size(size))
        axes[0].set_ylabel("us per op (median, IQR)")
        legend(axes[0])
        save(fig, "ops.png")

        # 2: attach + read of a filled segment by a second process.
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
        szs = [2 * MiB, 16 * MiB, 64 * MiB]
        for j, kind in enumerate(KINDS):
            xs, ys, es, fs = [], [], [[], []], []
            for i, size in enumerate(szs):
                c = find(cells, "2", "attach+read", size)
                if c and kind in c["kinds"]:
                    xs.append(i + (j - 1) * 0.27)
                    ys.append(c["kinds"][kind]["stats"]["median"])
                    e = err(c, kind)
                    es[0] += e[0]
                    es[1] += e[1]
                    fs.append(c["kinds"][kind].get("faults", 0) * 16)
            axes[0].bar(xs, ys, 0.27, yerr=es, color=COLORS[kind], label=kind, capsize=2)
            axes[1].bar(xs, fs, 0.27, color=COLORS[kind], label=kind)
        for ax in axes:
            ax.set_xticks(range(len(szs)))
            ax.set_xticklabels([fmt_size(z) for z in szs])
        axes[0].set_ylabel("ns per 4 KiB page (attach + read all)")
        axes[0].set_title("second process attaches a filled segment")
        axes[1].set_ylabel("page faults per 64 KiB")
        axes[1].axhline(1, color="k", lw=0.8, ls="--")
        axes[1].set_yscale("symlog", linthresh=0.01)
        axes[1].set_title("faults (exact; goal <= 1 per 64 KiB)")
        legend(axes[0])
        save(fig, "attach_read.png")

        # 3/4: populate and teardown.
        fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
        groups = [("touch", ""), ("populate_write", ""), ("touch", "huge"), ("populate_write", "huge")]
        labels = ["touch 4K", "MADV_POPULATE\n_WRITE 4K", "touch huge", "MADV_POPULATE\n_WRITE huge"]
        def grouped(ax, row, groups, na=False):
            """Bars of each kind's median (IQR whiskers) for (test, variant)
            cells of 16 MiB; "n/a" where clshm has no cell."""
            for j, kind in enumerate(KINDS):
                xs, ys, es = [], [], [[], []]
                for i, (t, v) in enumerate(groups):
                    c = find(cells, row, t, 16 * MiB, variant=v)
                    if c and kind in c["kinds"] and c["kinds"][kind]["stats"]:
                        xs.append(i + (j - 1) * 0.27)
                        ys.append(c["kinds"][kind]["stats"]["median"])
                        e = err(c, kind)
                        es[0] += e[0]
                        es[1] += e[1]
                    elif na and kind == "clshm":
                        ax.text(i + (j - 1) * 0.27, 0, "n/a", ha="center", va="bottom",
                                fontsize=7, rotation=90)
                ax.bar(xs, ys, 0.27, yerr=es, color=COLORS[kind], label=kind, capsize=2)
            ax.set_xticks(range(len(groups)))

        grouped(axes[0], "3", groups, na=True)
        axes[0].set_xticklabels(labels, fontsize=8)
        axes[0].set_ylabel("ns per 4 KiB of memory")
        axes[0].set_title("populate 16 MiB of fresh memory")
        legend(axes[0])
        grouped(axes[1], "4", [("detach(filled)", ""), ("remove(filled)", ""),
                               ("detach(filled)", "huge"), ("remove(filled)", "huge")])
        axes[1].set_xticklabels(["detach", "remove", "detach\nhuge", "remove\nhuge"], fontsize=8)
        axes[1].set_ylabel("ns per 4 KiB")
        axes[1].set_title("tear down a filled 16 MiB segment")
        save(fig, "populate.png")

        # 5: memcpy bandwidth.
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
        for ax, test in zip(axes, ("memcpy-into", "memcpy-out")):
            cs = sorted((c for c in cells if c["row"] == "5" and c["test"] == test and c["suite"] == "local"),
                        key=lambda c: c["size"])
            for kind in ["private"] + KINDS:
                xs = [c["size"] for c in cs if kind in c["kinds"]]
                ys = [c["kinds"][kind]["stats"]["median"] for c in cs if kind in c["kinds"]]
                lo = [c["kinds"][kind]["stats"]["q1"] for c in cs if kind in c["kinds"]]
                hi = [c["kinds"][kind]["stats"]["q3"] for c in cs if kind in c["kinds"]]
                ax.plot(xs, ys, marker="o", color=COLORS[kind], label=kind,
                        ls="--" if kind == "private" else "-")
                ax.fill_between(xs, lo, hi, color=COLORS[kind], alpha=0.15)
            ax.set_xscale("log", base=2)
            ax.set_xticks([c["size"] for c in cs])
            ax.set_xticklabels([fmt_size(c["size"]) for c in cs])
            ax.set_title(test.replace("memcpy-", "memcpy ") + (" segment" if test.endswith("into") else " of segment"))
            ax.set_xlabel("copy size")
        axes[0].set_ylabel("MB/s (median, IQR band)")
        legend(axes[0])
        save(fig, "memcpy.png")

        # 6 and 7: ping-pong and scaling.
        fig, axes = plt.subplots(1, 4, figsize=(15, 3.6), gridspec_kw={"width_ratios": [1, 1.3, 1.3, 1.3]})
        c = find(cells, "6", "pingpong")
        if c:
            ks = [k for k in ["private"] + KINDS if k in c["kinds"]]
            axes[0].bar(range(len(ks)), [c["kinds"][k]["stats"]["median"] for k in ks],
                        yerr=[[err(c, k)[0][0] for k in ks], [err(c, k)[1][0] for k in ks]],
                        color=[COLORS[k] for k in ks], capsize=3)
            axes[0].set_xticks(range(len(ks)))
            axes[0].set_xticklabels(ks, fontsize=8)
            axes[0].set_ylabel("ns per round trip")
            axes[0].set_title("1-line ping-pong")
        for ax, op in zip(axes[1:], ("get(create)", "get(lookup)", "attach")):
            for kind in KINDS:
                cs = sorted((c for c in cells if c["row"] == "7" and c["test"] == op and kind in c["kinds"]),
                            key=lambda c: c["level"])
                if not cs:
                    continue
                xs = [c["level"] for c in cs]
                ys = [c["kinds"][kind]["stats"]["median"] / 1000 for c in cs]
                ax.plot(xs, ys, marker="o", color=COLORS[kind], label=kind)
                ax.fill_between(xs, [c["kinds"][kind]["stats"]["q1"] / 1000 for c in cs],
                                [c["kinds"][kind]["stats"]["q3"] / 1000 for c in cs],
                                color=COLORS[kind], alpha=0.15)
            ax.set_xscale("log")
            ax.set_xlabel("live segments")
            ax.set_title("one %s" % op)
            ax.set_ylim(bottom=0)
        axes[1].set_ylabel("us per op")
        legend(axes[1], fontsize=8)
        save(fig, "pingpong_scaling.png")

    fabric_plot(cells, plt, save)

    # Summary: every goal's ratio against its threshold.
    if gs:
        fig, ax = plt.subplots(figsize=(10, 0.32 * len(gs) + 1.2))
        ys = range(len(gs))[::-1]
        for y, g in zip(ys, gs):
            v = g["value"]
            ax.barh(y, v, color="#228833" if g["met"] else "#cc3311")
            ax.plot([g["threshold"]] * 2, [y - 0.4, y + 0.4], color="k", lw=1.5)
            ax.text(max(v, g["threshold"]) * 1.02, y, "%.2f" % v, va="center", fontsize=7)
        ax.set_yticks(list(ys))
        ax.set_yticklabels([g["id"] for g in gs], fontsize=8)
        ax.set_xscale("log")
        ax.set_xlabel("clshm / baseline (black tick: goal; green met, red missed;"
                      " bandwidth: higher is better)")
        ax.set_title("issue 4 goals")
        save(fig, "goals.png")
    return made


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--compare":
        sys.exit(compare(sys.argv[2], sys.argv[3:]))
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    outdir, raws = sys.argv[1], sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    recs, metas, trace = parse(raws)
    if not recs:
        print("report: no records in %s" % " ".join(raws), file=sys.stderr)
        sys.exit(1)
    hosts = {}
    for name in metas:
        hp = os.path.join(outdir, "host-%s.json" % name)
        if os.path.exists(hp):
            with open(hp) as f:
                hosts[name] = json.load(f)
    cells = build_cells(recs)
    gs = goals(cells)
    rows = table_rows(cells)
    frows = fabric_rows(cells)
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"runs": {n: {"host": hosts.get(n, {}), "guest": m} for n, m in metas.items()},
                   "cells": cells, "goals": gs}, f, indent=1)
    with open(os.path.join(outdir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["suite", "row", "test", "variant", "kind", "size", "level", "unit",
                    "n", "median", "min", "max", "q1", "q3", "faults_per_unit",
                    "faults_total", "syscalls", "syscall_names", "clshm_over_sysv",
                    "clshm_over_memfd", "clshm_over_private", "clshm_min_over_sysv_min",
                    "remote_over_local", "remote_min_over_local_min", "baseline",
                    "remote_over_baseline",
                    "local_over_baseline", "msgs_sent", "msgs_recv", "doorbells", "irqs",
                    "note"])
        for c in cells:
            for kind, e in c["kinds"].items():
                s = e["stats"] or {}
                w.writerow([c["suite"], c["row"], c["test"], c["variant"], kind, c["size"],
                            c["level"], c["unit"], s.get("n", 0), s.get("median", ""),
                            s.get("min", ""), s.get("max", ""), s.get("q1", ""), s.get("q3", ""),
                            e.get("faults", ""), e.get("faults_total", ""),
                            e.get("syscalls", ""), e.get("syscall_names", ""),
                            c["ratio"].get("clshm/sysv", ""), c["ratio"].get("clshm/memfd", ""),
                            c["ratio"].get("clshm/private", ""),
                            "" if is_fabric(c) else c.get("min_ratio", ""),
                            c["ratio"].get("remote/local", ""),
                            c.get("min_ratio", "") if is_fabric(c) else "",
                            c.get("baseline") or "",
                            c["ratio"].get("remote/%s" % c.get("baseline"), ""),
                            c["ratio"].get("local/%s" % c.get("baseline"), ""),
                            e.get("msgs_sent", ""), e.get("msgs_recv", ""),
                            e.get("doorbells", ""), e.get("irqs", ""),
                            e.get("note", "")])
    txt = text_table(rows, frows, gs, metas, hosts)
    with open(os.path.join(outdir, "table.txt"), "w") as f:
        f.write(txt)
    with open(os.path.join(outdir, "table.md"), "w") as f:
        f.write(md_table(rows, frows, gs))
    if trace:
        with open(os.path.join(outdir, "profile.txt"), "w") as f:
            f.write(profile(trace))
    made = plots(cells, gs, outdir)
    sys.stdout.write(txt)
    met = sum(1 for g in gs if g["met"])
    print("\n%d goals met, %d missed.  Files: %s" % (
        met, len(gs) - met, ", ".join(os.path.join(outdir, n) for n in
                                      ["results.json", "results.csv", "table.txt", "table.md"] +
                                      (["profile.txt"] if trace else []) +
                                      [os.path.basename(p) for p in made])))


if __name__ == "__main__":
    main()
