#!/usr/bin/env python3
"""make mutate: apply each mutant of tests/mutants/*.mut to a scratch copy
of the tree, one at a time, and run the fast suite (the unit tests with
ASan/UBSan and the fuzz corpora) against it; with MUTATE_E2E=1 also the e2e
binary a mutant names, against the mutated mmpclean.exe.

The scratch copy is build/mutate/tree (or $MUTATE_DIR/tree), refreshed
from the working tree on every run.  Every object file is built once from the unmutated sources
(build/mutate/tree/obj); a mutant recompiles only the file it changes and
relinks.  The compilers and flags come from the Makefile, through the
environment (M_HOSTCC, M_HOSTCFLAGS, ...).

Usage: run.py [ID|FILE ...]   (FILE: src/out.c, out.c or src-out)
Prints one line per mutant (killed, SURVIVED, broken) and the score.
"""
import concurrent.futures
import os
import shlex
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CAT = os.path.join(ROOT, "tests", "mutants")
# MUTATE_DIR: another scratch directory, for two runs at once
SCRATCH = os.environ.get("MUTATE_DIR") or os.path.join(ROOT, "build",
                                                        "mutate")
TREE = os.path.join(os.path.abspath(SCRATCH), "tree")
COPY = ["src", "tests/unit", "tests/fuzz", "man", ".ci", "Makefile", "README.md"]
TEST_TIMEOUT = 30	# seconds for one unit binary or corpus replay
E2E_TIMEOUT = 900
JOBS = 2


def env_list(name):
    return shlex.split(os.environ.get(name, ""))


HOSTCC = env_list("M_HOSTCC") or ["gcc"]
HOSTCFLAGS = env_list("M_HOSTCFLAGS")
HOSTLIBS = env_list("M_HOSTLIBS")
CLANG = env_list("M_CLANG") or ["clang"]
FUZZCFLAGS = env_list("M_FUZZCFLAGS")
CORE = env_list("M_CORE_SRC")
FUZZERS = env_list("M_FUZZERS")
E2E = os.environ.get("MUTATE_E2E", "") not in ("", "0")


class Bad(Exception):
    pass


def parse_catalogue():
    mutants = []
    for fn in sorted(os.listdir(CAT)):
        if not fn.endswith(".mut"):
            continue
        path = os.path.join(CAT, fn)
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        block, start = {}, None
        for no, line in enumerate(lines + [""], 1):
            if line.startswith("#"):
                continue
            if line.strip() == "":
                if block:
                    block["where"] = "%s:%d" % (fn, start)
                    mutants.append(block)
                block, start = {}, None
                continue
            key, sep, val = line.partition(":")
            if not sep or key not in ("id", "file", "bug", "find",
                                      "replace", "e2e", "fast"):
                raise Bad("%s:%d: not a 'key: value' line: %r" %
                          (fn, no, line))
            if val.startswith(" "):
                val = val[1:]
            if key in block:
                raise Bad("%s:%d: %s given twice" % (fn, no, key))
            block[key] = val
            start = start or no
    ids, errors = set(), []
    for m in mutants:
        for k in ("id", "file", "find", "replace"):
            if k not in m:
                raise Bad("%s: mutant %s has no %s line" %
                          (m["where"], m.get("id", "?"), k))
        if m["id"] in ids:
            raise Bad("%s: mutant id %s used twice" % (m["where"], m["id"]))
        ids.add(m["id"])
        m["fastrun"] = m.get("fast", "yes").strip() != "no"
        m["e2e"] = m.get("e2e", "").strip()
        if not m["fastrun"] and not m["e2e"]:
            raise Bad("%s: mutant %s has fast: no but no e2e line" %
                      (m["where"], m["id"]))
        src = os.path.join(ROOT, m["file"])
        if not os.path.isfile(src):
            raise Bad("mutant %s: no file %s" % (m["id"], m["file"]))
        with open(src, encoding="utf-8") as f:
            n = f.read().split("\n").count(m["find"])
        if n != 1:
            errors.append("mutant %s: its find line occurs %d times in "
                          "%s, not once: %r" % (m["id"], n, m["file"],
                                                m["find"]))
    if errors:
        raise Bad("\n".join(errors))
    return mutants


def selected(mutants, want):
    if not want:
        return mutants
    out = []
    for m in mutants:
        f = m["file"]
        names = {m["id"], f, os.path.basename(f),
                 f[:-2].replace("/", "-") if f.endswith(".c") else f}
        if names & want:
            out.append(m)
    unknown = want - {x for m in mutants for x in (
        m["id"], m["file"], os.path.basename(m["file"]),
        m["file"][:-2].replace("/", "-"))}
    if unknown:
        raise Bad("no mutant or file named %s" % ", ".join(sorted(unknown)))
    return out


def run(cmd, cwd=TREE, timeout=None, env=None):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout,
                           env=env)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode("utf-8", "replace") if e.stdout else ""
        return "timeout", out


def obj(kind, src):
    return os.path.join(TREE, "obj", kind,
                        src.replace("/", "-")[:-2] + ".o")


def compile_cmd(kind, src, out):
    if kind == "host":
        return HOSTCC + HOSTCFLAGS + ["-Itests/unit", "-c", "-o", out, src]
    return CLANG + FUZZCFLAGS + ["-c", "-o", out, src]


UNITS = []


def link_cmds(objdir_override, kinds=("host", "fuzz")):
    """(name, command) for every test binary of those kinds, using
    objdir_override's objects for the mutated file."""
    def o(kind, src):
        return objdir_override.get((kind, src)) or obj(kind, src)
    cmds = []
    for t in UNITS if "host" in kinds else []:
        src = "tests/unit/%s.c" % t
        out = os.path.join(TREE, "bin", t)
        cmds.append((out, HOSTCC + HOSTCFLAGS + ["-o", out, o("host", src),
                    o("host", "tests/unit/fake.c")] +
                    [o("host", s) for s in CORE] + HOSTLIBS))
    for f in FUZZERS if "fuzz" in kinds else []:
        src = "tests/fuzz/fuzz_%s.c" % f
        out = os.path.join(TREE, "bin", "fuzz_" + f)
        cmds.append((out, CLANG + FUZZCFLAGS + ["-o", out, o("fuzz", src),
                    o("fuzz", "tests/unit/fake.c")] +
                    [o("fuzz", s) for s in CORE]))
    return cmds


def parallel(cmds):
    """Runs (label, command) pairs, JOBS at a time; the first failure."""
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        futs = [(label, ex.submit(run, c)) for label, c in cmds]
        for label, fu in futs:
            rc, out = fu.result()
            if rc != 0:
                return label, out
    return None


def prepare():
    if os.path.isdir(TREE):
        shutil.rmtree(TREE)
    os.makedirs(TREE)
    for p in COPY:
        s, d = os.path.join(ROOT, p), os.path.join(TREE, p)
        if os.path.isdir(s):
            shutil.copytree(s, d)
        elif os.path.exists(s):
            os.makedirs(os.path.dirname(d), exist_ok=True)
            shutil.copy2(s, d)
    for d in ("obj/host", "obj/fuzz", "obj/mut", "bin"):
        os.makedirs(os.path.join(TREE, d))
    UNITS.extend(sorted(f[:-2] for f in os.listdir(
        os.path.join(TREE, "tests", "unit"))
        if f.startswith("test_") and f.endswith(".c")))
    srcs = ["tests/unit/%s.c" % t for t in UNITS] + ["tests/unit/fake.c"]
    cmds = [("%s %s" % (k, s), compile_cmd(k, s, obj(k, s)))
            for s in CORE + srcs for k in ("host",)]
    cmds += [("fuzz %s" % s, compile_cmd("fuzz", s, obj("fuzz", s)))
             for s in CORE + ["tests/unit/fake.c"] +
             ["tests/fuzz/fuzz_%s.c" % f for f in FUZZERS]]
    bad = parallel(cmds) or parallel(link_cmds({}))
    if bad:
        raise Bad("the unmutated tree does not build: %s\n%s" % bad)
    why = fast_suite()
    if why:
        raise Bad("the fast suite fails on the unmutated tree (%s)" % why)


KILLER = {}	# file -> the test that killed its last mutant: tried first


def fast_suite(kinds=("host", "fuzz"), first=None):
    """None when every test passes, else what failed first."""
    units = UNITS if "host" in kinds else []
    if first in units:
        units = [first] + [t for t in units if t != first]
    for t in units:
        rc, out = run([os.path.join(TREE, "bin", t)],
                      timeout=TEST_TIMEOUT)
        if rc != 0:
            return t if rc != "timeout" else t + ", timed out"
    for f in FUZZERS if "fuzz" in kinds else []:
        rc, out = run([os.path.join(TREE, "bin", "fuzz_" + f), "-runs=0",
                       "tests/fuzz/" + f], timeout=TEST_TIMEOUT)
        if rc != 0:
            return "fuzz_" + f if rc != "timeout" else \
                "fuzz_%s, timed out" % f
    return None


def apply(m):
    path = os.path.join(TREE, m["file"])
    with open(path, encoding="utf-8") as f:
        orig = f.read()
    lines = orig.split("\n")
    i = lines.index(m["find"])
    lines[i:i + 1] = [m["replace"]] if m["replace"] != "" else []
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path, orig


def fast(m):
    """('killed', by) / ('SURVIVED', '') / ('broken', compiler output).
    The unit tests first; the fuzzers are built only for a survivor."""
    src = m["file"]
    over = {}
    try:
        for kinds in (("host",), ("fuzz",)):
            cmds = []
            if src in CORE:
                k = kinds[0]
                out = os.path.join(TREE, "obj", "mut", "%s-%s.o" %
                                   (k, m["id"]))
                over[(k, src)] = out
                cmds.append((k, compile_cmd(k, src, out)))
            bad = parallel(cmds) or parallel(link_cmds(over, kinds))
            if bad:
                return "broken", bad[1]
            why = fast_suite(kinds, KILLER.get(src))
            if why:
                KILLER[src] = why.split(",")[0]
                return "killed", why
        return "SURVIVED", ""
    finally:
        for o in over.values():
            if os.path.exists(o):
                os.unlink(o)


E2E_BASE = {}	# e2e binary -> the tests that fail on the unmutated exe


def e2e_run(binary):
    """Builds the scratch tree's exe and runs an e2e binary against it:
    None (built, passed), 'broken' output, or the failed tests."""
    rc, out = run(["make", "-s", "VERSION=" + os.environ.get("M_VERSION",
                   "0.1.0"), "build/mmpclean.exe"], timeout=E2E_TIMEOUT)
    if rc != 0:
        return "broken", out
    env = dict(os.environ)
    env["MMPCLEAN_EXE"] = os.path.join(TREE, "build", "mmpclean.exe")
    env["WINEPREFIX"] = os.path.join(ROOT, "build", "wineprefix")
    rc, out = run([os.path.join(ROOT, "build", binary)], cwd=ROOT,
                  timeout=E2E_TIMEOUT, env=env)
    if rc == "timeout":
        return "failed", ["timed out"]
    failed = []
    for l in out.split("\n"):
        t = l.split("]", 1)[1].strip() if "]" in l else ""
        if l.startswith("[  FAILED  ]") and "test(s)" not in l and \
                t not in failed:
            failed.append(t)
    if rc != 0 and not failed:
        failed = ["exit status %s" % rc]
    return ("failed", failed) if rc != 0 else (None, [])


def e2e(m):
    """The mutant's e2e binary against the mutated exe.  Only tests that
    pass on the unmutated exe count."""
    res, what = e2e_run(m["e2e"])
    if res == "broken":
        return "broken", what
    new = [t for t in what if t not in E2E_BASE.get(m["e2e"], [])]
    if new:
        return "killed", "%s: %s" % (m["e2e"], ", ".join(new[:3]))
    return "SURVIVED", ""


def main():
    want = set()
    for a in sys.argv[1:]:
        want |= {x for x in a.replace(",", " ").split() if x}
    try:
        mutants = selected(parse_catalogue(), want)
    except Bad as e:
        print("mutate: %s" % e, file=sys.stderr)
        return 2
    if not E2E:
        skipped = [m for m in mutants if not m["fastrun"]]
        mutants = [m for m in mutants if m["fastrun"]]
        if skipped:
            print("mutate: %d mutants marked 'fast: no' left out (they "
                  "run with MUTATE_E2E=1)" % len(skipped))
    if E2E:
        need = sorted({"build/" + m["e2e"] for m in mutants if m["e2e"]})
        if need:
            # Every helper the e2e binaries start (the Makefile's list):
            # one left unbuilt fails its test on the unmutated exe too.
            rc, out = run(["make", "-s", "e2e-helpers"] + need, cwd=ROOT)
            if rc != 0:
                print(out, file=sys.stderr)
                return 2
    t0 = time.time()
    try:
        prepare()
    except Bad as e:
        print("mutate: %s" % e, file=sys.stderr)
        return 2
    for b in sorted({m["e2e"] for m in mutants if E2E and m["e2e"]}):
        res, what = e2e_run(b)
        if res == "broken":
            print("mutate: the unmutated exe does not build:\n%s" % what,
                  file=sys.stderr)
            return 2
        E2E_BASE[b] = what
        print("mutate: %s on the unmutated exe: %s" % (
            b, "passes" if not what else "fails " + ", ".join(what) +
            " (not counted as kills)"), flush=True)
    print("mutate: %d mutants; the fast suite is %s, %s" % (
        len(mutants), " ".join(UNITS),
        " ".join("fuzz_" + f for f in FUZZERS)))
    score = {}	# file -> [killed, total] in the fast suite
    escore = [0, 0]
    survivors = []
    for m in mutants:
        path, orig = apply(m)
        try:
            res, by = ("-", "")
            if m["fastrun"]:
                res, by = fast(m)
                s = score.setdefault(m["file"], [0, 0])
                if res != "broken":
                    s[1] += 1
                    s[0] += res == "killed"
            line = "%-8s  %-28s %s" % (res, m["id"],
                                       "(%s)" % by if res == "killed"
                                       else m.get("bug", ""))
            if res == "broken":
                line = "%-8s  %-28s does not compile:\n%s" % (
                    res, m["id"], by.strip()[:2000])
            if E2E and m["e2e"] and res != "broken":
                eres, eby = e2e(m)
                if eres != "broken":
                    escore[1] += 1
                    escore[0] += eres == "killed"
                line += "\n%10s e2e %s%s" % ("", eres,
                                             " (%s)" % eby if eby and
                                             eres != "broken" else
                                             (":\n" + eby.strip()[:2000]
                                              if eres == "broken" else ""))
                if eres == "SURVIVED":
                    survivors.append(m["id"] + " (e2e)")
            if res == "SURVIVED":
                survivors.append(m["id"])
            print(line, flush=True)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(orig)
    killed = sum(v[0] for v in score.values())
    total = sum(v[1] for v in score.values())
    for f in sorted(score):
        print("  %-16s %d of %d killed" % (f, score[f][0], score[f][1]))
    if total:
        print("%d of %d killed in the fast suite (%d %%)" % (
            killed, total, 100 * killed // total))
    if E2E and escore[1]:
        print("%d of %d killed by the e2e binary they name" % tuple(escore))
    if survivors:
        print("survivors: %s" % " ".join(survivors))
    print("mutate: %.0f s" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
