#!/usr/bin/env python3
"""The mmpclean benchmark, run by `make bench` (never by `make check`).

For each N it makes N files f0000000.mmp... in C:\\bench\\d of a private Wine
prefix, holds 1 % of them open from another Windows process
(build/holdlock.exe), and times, alternating the contenders within each
repetition and rotating their order:

  delete  mmpclean --delete --quiet --threads T --dir DIR   (T of --threads)
          cmd /c del /q DIR\\*.mmp      (blind delete, no probing)
          floor -t T DIR                 (tests/bench/floor.c, T threads)
  report  mmpclean --quiet --threads T --dir DIR
          floor -p -t T DIR

mmpclean with T threads is compared with the floor given the same T.

Every delete run gets the free files made anew first, and afterwards the
directory must hold exactly the locked files.  Wine's own start-up is taken
out by subtracting each command's median time on an empty directory,
measured in the same run.  Ratios are paired: contender over floor within
one repetition, then the median and range of those.

Peak memory is GNU time's maximum RSS of the process that ran the .exe
(the `wine` script execs the loader, which runs the program in that
process), so it is Wine's whole Unix process: ntdll, the loaded DLLs,
Wine's directory cache and the program's own heap.

Machine-independent numbers these are not: the machine is shared and noisy.
"""

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
B = os.path.join(ROOT, "build")
MMPCLEAN = os.path.join(B, "mmpclean.exe")
HOLDLOCK = os.path.join(B, "holdlock.exe")
FLOOR = os.path.join(B, "bench", "floor.exe")
NOP = os.path.join(B, "bench", "nop.exe")

WDIR = "C:\\bench\\d"
WEMPTY = "C:\\bench\\e"
CONTENT = b"mmp bench data\n"
LOCK_EVERY = 100        # 1 % held locked


def env_setup():
    os.environ.setdefault("WINEPREFIX", os.path.join(B, "wineprefix"))
    os.environ.setdefault("WINEDEBUG", "-all")
    os.environ.setdefault("WINEDLLOVERRIDES", "mscoree,mshtml=")
    os.environ["LC_ALL"] = "C.UTF-8"
    pfx = os.environ["WINEPREFIX"]
    # A prefix made before wine32:i386 was installed cannot start a
    # program ("could not load kernel32.dll, status c0000135"): made again.
    if os.path.exists(os.path.join(pfx, "system.reg")):
        ok = subprocess.run(["wine", "cmd", "/c", "echo", "ok"],
                            capture_output=True, text=True)
        if not ok.stdout.startswith("ok"):
            print("bench: the Wine prefix %s cannot start a program; making "
                  "it again" % pfx, flush=True)
            subprocess.run(["wineserver", "-k"], check=False)
            subprocess.run(["wineserver", "-w"], check=False)
            shutil.rmtree(pfx)
    if not os.path.exists(os.path.join(pfx, "system.reg")):
        print("bench: creating the Wine prefix %s" % pfx, flush=True)
        subprocess.run(["wineboot", "-i"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        subprocess.run(["wineserver", "-w"], check=False)
    # A persistent server, so no run pays for starting one; 2: running.
    r = subprocess.run(["wineserver", "-p"])
    if r.returncode not in (0, 2):
        sys.exit("bench: wineserver -p failed")
    drive_c = os.path.join(pfx, "drive_c")
    return drive_c


RSSFILE = os.path.join(B, "bench", "rss")


SERVER_PID = None


def find_server():
    """The persistent wineserver of this prefix: the process whose working
    directory is the prefix's server directory, .../server-DEV-INODE (both
    in hex, of the prefix directory) under a temporary directory."""
    global SERVER_PID
    st = os.stat(os.environ["WINEPREFIX"])
    want = "/server-%x-%x" % (st.st_dev, st.st_ino)
    # `wineserver -p` may return before a server it started has moved into
    # its directory: looked for again, for up to 10 s.
    for _ in range(100):
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.readlink("/proc/%s/cwd" % pid).endswith(want):
                    with open("/proc/%s/comm" % pid) as fp:
                        if fp.read().startswith("wineserver"):
                            SERVER_PID = int(pid)
                            return
            except OSError:
                continue
        time.sleep(0.1)
    sys.exit("bench: cannot find the wineserver of %s" % want)


def server_cpu():
    """The wineserver's user + system CPU seconds so far."""
    with open("/proc/%d/stat" % SERVER_PID) as fp:
        f = fp.read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def run(argv, cwd=None):
    """Runs argv; returns (seconds, exit status, stdout, max RSS in KiB,
    CPU seconds of the process and of the wineserver during the run).

    Every command runs under GNU time, whose small child execs `wine`:
    ru_maxrss survives exec, so a child forked from Python would report
    Python's own size.  The wall time includes time's fork, for every
    command alike, empty-directory runs too.  The CPU time was added in
    the hope that it would be steadier than the wall time on a shared
    machine; measured, it was not (tests/bench/RESULTS.md).  The server's
    share also counts a holdlock.exe that is idle meanwhile."""
    c0 = server_cpu()
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", RSSFILE] +
                       argv, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    t = time.perf_counter() - t0
    c1 = server_cpu()
    with open(RSSFILE) as fp:
        f = fp.read().split()
    rss, cpu = int(f[-3]), float(f[-2]) + float(f[-1]) + (c1 - c0)
    return t, p.returncode, p.stdout.decode("utf-8", "replace"), rss, cpu


def names(n):
    return ["f%07d.mmp" % i for i in range(n)]


def locked_names(n):
    return [x for i, x in enumerate(names(n)) if i % LOCK_EVERY == 50]


def make_files(udir, n, skip=()):
    skip = set(skip)
    for x in names(n):
        if x in skip:
            continue
        fd = os.open(os.path.join(udir, x), os.O_WRONLY | os.O_CREAT |
                     os.O_TRUNC, 0o644)
        os.write(fd, CONTENT)
        os.close(fd)
    # Written back before the run: files that never reached the disk are
    # cheaper to delete, and writeback during a run is noise.
    os.sync()


class Holder:
    """holdlock.exe holding files of udir until its stdin closes."""

    def __init__(self, udir, files, ready):
        if os.path.exists(ready):
            os.unlink(ready)
        self.p = None
        if not files:
            return
        # Names relative to the directory keep the command line short.
        self.p = subprocess.Popen(
            ["wine", HOLDLOCK, "..\\" + os.path.basename(ready)] + files,
            cwd=udir, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        end = time.time() + 120
        while not os.path.exists(ready):
            if self.p.poll() is not None or time.time() > end:
                sys.exit("bench: holdlock did not get ready")
            time.sleep(0.02)

    def release(self):
        if self.p is not None:
            self.p.stdin.close()
            self.p.wait(timeout=60)


def med(v):
    return statistics.median(v) if v else float("nan")


def fmt_range(v, f="%.0f"):
    if not v:
        return "-"
    return (f + " [" + f + "-" + f + "]") % (med(v), min(v), max(v))


class Tally:
    """One mode's samples at one N: files/s and CPU per file for each
    contender, each also paired with the reference contender (the floor)
    of the same repetition."""

    def __init__(self, keys, ref, n, base, basecpu):
        self.keys, self.ref, self.n = list(keys), ref, n
        self.base, self.basecpu = base, basecpu
        self.fps = {k: [] for k in self.keys}
        self.cpu = {k: [] for k in self.keys}      # microseconds per file
        self.ratio = {k: [] for k in self.keys if k != ref}
        self.cratio = {k: [] for k in self.keys if k != ref}
        self.rep = {}

    def add(self, k, t, cpu):
        """One run of k: wall seconds and CPU seconds, start-up included."""
        fps = self.n / max(t - self.base[k], 1e-6)
        per = max(cpu - self.basecpu[k], 1e-6) / self.n
        self.fps[k].append(fps)
        self.cpu[k].append(per * 1e6)
        self.rep[k] = (fps, per)

    def end_rep(self):
        rfps, rper = self.rep[self.ref]
        for k in self.ratio:
            fps, per = self.rep[k]
            self.ratio[k].append(fps / rfps)
            self.cratio[k].append(rper / per)   # above 1: cheaper
        self.rep = {}

    def rows(self, emit, cpu=False):
        for k in self.keys:
            v, r, f = ((self.cpu[k], self.cratio, "%.1f") if cpu else
                       (self.fps[k], self.ratio, "%.0f"))
            emit("  %-34s %-26s %s" % (
                k, fmt_range(v, f),
                "1" if k == self.ref else fmt_range(r[k], "%.2f")))


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fp:
            for line in fp:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    wine = subprocess.run(["wine", "--version"], capture_output=True,
                          text=True).stdout.strip()
    load = os.getloadavg()
    return ("machine: %s, nproc %d, %s, %s; load average at start %.2f\n"
            "date: %s\n" % (platform.node() or "?", os.cpu_count(), cpu,
                            wine, load[0],
                            datetime.datetime.now().astimezone()
                            .strftime("%Y-%m-%d %H:%M %Z")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="1000 20000 100000")
    ap.add_argument("--reps", type=int, default=0,
                    help="repetitions (default 5, 3 from 50 000 files)")
    ap.add_argument("--startup-reps", type=int, default=15)
    ap.add_argument("--threads", default="1 2 4 8",
                    help="the worker counts timed")
    ap.add_argument("--big", type=int, default=50000,
                    help="from this N on, only --big-threads and 1 rep")
    ap.add_argument("--big-threads", default="1 4")
    ap.add_argument("--delete-max", type=int, default=0,
                    help="time delete mode only up to this N (0: always)")
    ap.add_argument("--breakdown-max", type=int, default=0,
                    help="run the floor's cost variants up to this N")
    ap.add_argument("--out", default=os.path.join(B, "bench.txt"))
    ap.add_argument("--also", action="append", default=[],
                    metavar="LABEL=EXE", help="another mmpclean build to time")
    a = ap.parse_args()
    sizes = [int(x) for x in a.n.split()]

    for f in (MMPCLEAN, HOLDLOCK, FLOOR, NOP):
        if not os.path.exists(f):
            sys.exit("bench: %s is missing (make bench builds it)" % f)
    drive_c = env_setup()
    find_server()
    broot = os.path.join(drive_c, "bench")
    udir = os.path.join(broot, "d")
    uempty = os.path.join(broot, "e")
    ready = os.path.join(broot, "ready")
    shutil.rmtree(broot, ignore_errors=True)
    os.makedirs(udir)
    os.makedirs(uempty)
    head = machine()
    print(head, end="", flush=True)

    threads = [int(x) for x in a.threads.split()]
    big_threads = [int(x) for x in a.big_threads.split()]
    delete_cmds = {
        # By full path: `wine cmd` runs cmd.exe in a second, double-forked
        # process that GNU time never sees, so its memory went unmeasured.
        "del /q": ["wine", "C:\\windows\\system32\\cmd.exe", "/c", "del",
                   "/q", WDIR + "\\*.mmp"],
    }
    for t in threads:
        delete_cmds["mmpclean -t%d" % t] = [
            "wine", MMPCLEAN, "--delete", "--quiet", "--threads", str(t),
            "--dir", WDIR]
        delete_cmds["floor -t%d" % t] = ["wine", FLOOR, "-t", str(t), WDIR]
    variants = {    # the floor with one call changed, for the cost table
        "floor -n (FileNameInformation)": ["wine", FLOOR, "-n", WDIR],
        "floor -a (FileAllInformation)": ["wine", FLOOR, "-a", WDIR],
        "floor -g (no name query: UNSAFE)": ["wine", FLOOR, "-g", WDIR],
    }
    report_cmds = {
        # At every N: its memory is what Wine's listing alone costs.
        "floor -l (list only)": ["wine", FLOOR, "-l", WDIR],
    }
    for t in threads:
        report_cmds["report -t%d" % t] = [
            "wine", MMPCLEAN, "--quiet", "--threads", str(t), "--dir", WDIR]
        report_cmds["floor -p -t%d" % t] = [
            "wine", FLOOR, "-p", "-t", str(t), WDIR]
    report_variants = {
        "floor -p -g (open+close only)": ["wine", FLOOR, "-p", "-g", WDIR],
    }
    for spec in a.also:     # other builds of mmpclean, e.g. the last release
        label, exe = spec.split("=", 1)
        exe = os.path.abspath(exe)
        delete_cmds[label] = ["wine", exe, "--delete", "--quiet", "--dir",
                              WDIR]
        report_cmds[label + " report"] = ["wine", exe, "--quiet", "--dir",
                                          WDIR]

    def empty_of(argv):
        return [WEMPTY if x == WDIR else
                WEMPTY + "\\*.mmp" if x == WDIR + "\\*.mmp" else x
                for x in argv]

    lines = []
    rss = {}

    def emit(s=""):
        print(s, flush=True)
        lines.append(s)

    # Start-up: mmpclean on an empty directory against a program that
    # exits at once; also the empty-directory time of every command.
    every = dict(delete_cmds, **variants, **report_cmds, **report_variants)
    startup = {k: [] for k in every}
    startup["nop.exe"] = []
    startcpu = {}
    ratio_start = []
    for rep in range(a.startup_reps):
        keys = list(startup)
        keys = keys[rep % len(keys):] + keys[:rep % len(keys)]
        got = {}
        for k in keys:
            argv = ["wine", NOP] if k == "nop.exe" else empty_of(every[k])
            t, st, _, _, cpu = run(argv)
            startup[k].append(t)
            startcpu.setdefault(k, []).append(cpu)
            got[k] = t
        ratio_start.append(got["report -t%d" % threads[-1]] / got["nop.exe"])
    base = {k: med(v) for k, v in startup.items()}
    basecpu = {k: med(v) for k, v in startcpu.items()}

    emit("start-up (empty directory, %d runs each, alternating), "
         "seconds: median [min-max]" % a.startup_reps)
    for k in startup:
        emit("  %-34s %s" % (k, fmt_range(startup[k], "%.3f")))
    emit("  report -t%d / nop.exe: %s   (target <= 1.20)"
         % (threads[-1], fmt_range(ratio_start, "%.2f")))
    emit()

    results = []
    def keep(k, n):
        """At a big N, only the big thread counts."""
        if n < a.big or "-t" not in k:
            return True
        return int(k.rsplit("-t", 1)[1]) in big_threads

    for n in sizes:
        reps = a.reps or (1 if n >= a.big else 3 if n >= 10000 else 5)
        shutil.rmtree(udir, ignore_errors=True)
        os.makedirs(udir)
        lk = locked_names(n)
        make_files(udir, n)

        def held(argv):
            # holdlock lets go after 120 s, so each run gets its own.
            holder = Holder(udir, lk, ready)
            try:
                return run(argv)
            finally:
                holder.release()

        cmds = {k: v for k, v in delete_cmds.items() if keep(k, n)}
        if a.delete_max and n > a.delete_max:
            cmds = {}
        if n <= a.breakdown_max:
            cmds.update(variants)
        dele = Tally(cmds, "del /q", n, base, basecpu)
        inner = []
        for rep in range(reps if cmds else 0):
            keys = list(cmds)
            keys = keys[rep % len(keys):] + keys[:rep % len(keys)]
            for k in keys:
                make_files(udir, n, skip=lk)
                t, st, out, mx, cpu = held(cmds[k])
                left = sorted(os.listdir(udir))
                if left != lk:
                    sys.exit("bench: %s left %d files, expected the "
                             "%d locked ones" % (k, len(left), len(lk)))
                if k.startswith("mmpclean") and st != 1:
                    sys.exit("bench: %s exit %d, expected 1" % (k, st))
                if k.startswith("floor -t"):
                    f = out.split()
                    if f[3] != str(n - len(lk)) or f[5] != str(len(lk)):
                        sys.exit("bench: floor: %s" % out)
                    if k == "floor -t1":
                        inner.append(n / (int(f[11]) / 1e6))
                rss.setdefault((k, n), []).append(mx)
                dele.add(k, t, cpu)
            dele.end_rep()
        # report mode: nothing is consumed, the files stay
        make_files(udir, n, skip=lk)
        rcmds = {k: v for k, v in report_cmds.items() if keep(k, n)}
        if n <= a.breakdown_max:
            rcmds.update(report_variants)
        rept = Tally(rcmds, "floor -l (list only)", n, base, basecpu)
        for rep in range(reps):
            keys = list(rcmds)
            keys = keys[rep % len(keys):] + keys[:rep % len(keys)]
            for k in keys:
                t, st, out, mx, cpu = held(rcmds[k])
                if k.startswith("report") and st != 1:
                    sys.exit("bench: %s exit %d" % (k, st))
                rss.setdefault((k, n), []).append(mx)
                if k.startswith("floor -p"):
                    f = out.split()
                    if f[3] != str(n - len(lk)) or f[5] != str(len(lk)):
                        sys.exit("bench: floor -p: %s" % out)
                rept.add(k, t, cpu)
            rept.end_rep()
        results.append((n, dele, rept))

        emit("N = %d files, %d locked, %d repetitions; files/s with the "
             "empty-directory time subtracted: median [min-max]"
             % (n, len(lk), reps))
        emit("  %-34s %-26s %s" % ("delete", "files/s", "x del /q (paired)"))
        if cmds:
            dele.rows(emit)
            emit("  %-34s %-26s" % ("floor, its own clock",
                                    fmt_range(inner)))
        emit("  %-34s %-26s %s" % ("report", "files/s",
                                   "x floor -l (paired)"))
        rept.rows(emit)
        emit("  CPU per file, process + wineserver, microseconds, with the "
             "empty-directory CPU subtracted;")
        emit("  the ratio is the floor's CPU over the contender's (above 1: "
             "cheaper than the floor)")
        if cmds:
            dele.rows(emit, cpu=True)
        rept.rows(emit, cpu=True)
        emit()

    emit("peak RSS of the Unix process running the .exe (GNU time's "
         "maximum RSS), KiB: median [min-max]")
    memkeys = ["mmpclean -t%d" % t for t in big_threads] + \
        [x.split("=", 1)[0] for x in a.also] + \
        ["floor -t%d" % t for t in big_threads] + ["del /q"] + \
        ["report -t%d" % t for t in big_threads] + ["floor -l (list only)"]
    for k in memkeys:
        emit("  %-26s %s" % (k, "   ".join(
            "N=%d: %s" % (n, fmt_range(rss.get((k, n), [])))
            for n in sizes)))
    if len(sizes) > 1:
        lo, hi = min(sizes), max(sizes)
        emit("  growth from %d to %d files (medians):" % (lo, hi))
        for k in memkeys:
            if (k, hi) in rss and (k, lo) in rss:
                emit("    %-24s %+7.0f KiB" % (
                    k, med(rss[(k, hi)]) - med(rss[(k, lo)])))
        # Wine 8's NtQueryDirectoryFile reads every matching name into
        # the process on a handle's first call; what grows beyond that
        # is the program's own.
        lst = "floor -l (list only)"
        if (lst, hi) in rss and (lst, lo) in rss:
            lgrow = med(rss[(lst, hi)]) - med(rss[(lst, lo)])
            emit("  growth beyond the listing's own (the growth above "
                 "minus %+.0f KiB):" % lgrow)
            for k in memkeys:
                if k != lst and (k, hi) in rss and (k, lo) in rss:
                    emit("    %-24s %+7.0f KiB%s" % (
                        k, med(rss[(k, hi)]) - med(rss[(k, lo)]) - lgrow,
                        "   (target <= +1024)" if k.startswith(("mmpclean", "report"))
                        else ""))
    emit()
    def paired(t, k1, k2):
        v = [x / y for x, y in zip(t.fps[k1], t.fps[k2])]
        return fmt_range(v, "%.2f")

    emit("targets: delete >= 1.2x del /q at 20 000 files with the default "
         "--threads; >= 0.95x the floor with as many threads (paired "
         "medians [min-max])")
    for n, dele, rept in results:
        for t in threads:
            k = "mmpclean -t%d" % t
            if k not in dele.fps or not dele.fps[k]:
                if "report -t%d" % t in rept.fps:
                    emit("  N = %-7d -t%d  report/floor -p -t%d %s" % (
                        n, t, t, paired(rept, "report -t%d" % t,
                                        "floor -p -t%d" % t)))
                continue
            emit("  N = %-7d -t%d  delete/floor -t%d %-18s delete/del %-18s "
                 "report/floor -p -t%d %s" % (
                     n, t, t, paired(dele, k, "floor -t%d" % t),
                     paired(dele, k, "del /q"), t,
                     paired(rept, "report -t%d" % t, "floor -p -t%d" % t)))

    with open(a.out, "w") as fp:
        fp.write(head + "\n".join(lines) + "\n")
    print("bench: table written to %s" % a.out)
    shutil.rmtree(broot, ignore_errors=True)


if __name__ == "__main__":
    main()
