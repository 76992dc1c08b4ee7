#!/bin/sh
# The release zip, checked the way an administrator would meet it: the files
# it holds, what each executable imports and embeds, that both run, that the
# version comes from one place, and that one commit gives one zip.  Run by
# `make dist-check` (which exports WINEPREFIX and friends).
set -eu
SERIAL=""	# extra words for the smoke runs (the x86 build: --threads 1)

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
B=${B:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
MAKE=${MAKE:-make}
WINE=${WINE:-wine}
OBJDUMP64=${OBJDUMP64:-x86_64-w64-mingw32-objdump}
OBJDUMP32=${OBJDUMP32:-i686-w64-mingw32-objdump}
WINDRES=${WINDRES:-x86_64-w64-mingw32-windres}

# DLLs every supported Windows (7 / 2008 R2 and later) has, and which every
# run needs.  Add one only when every run calls it, and only if Windows 7
# ships it; a CRT, libgcc or winpthread DLL is never allowed.  A DLL only
# some runs need is loaded at run time from the system directory instead.
ALLOWED_DLLS="kernel32.dll msvcrt.dll ntdll.dll"

# Loaded at run time (src/win32/dll.c): imported, advapi32 and sechost
# cost every run start-up time, and RstrtMgr.dll, not a KnownDLL, would be
# looked for next to the executable first.  mingw-w64's gcc links advapi32 by default,
# so one direct call would import it again.
RUNTIME_DLLS="advapi32.dll rstrtmgr.dll"

# Functions newer than Windows 7 that a build could plausibly import; they
# must be looked up at run time instead.  _WIN32_WINNT=0x0601 hides most
# newer declarations, and -Werror refuses a call without one, but not all:
# mingw-w64 10 declares GetSystemTimePreciseAsFileTime whatever it says.
NEWER_THAN_7="GetSystemTimePreciseAsFileTime CreateFile2 CopyFile2
GetCurrentThreadStackLimits GetOverlappedResultEx CreateFileMappingFromApp
MapViewOfFileFromApp VirtualAllocFromApp VirtualAlloc2 MapViewOfFile3
SetDefaultDllDirectories AddDllDirectory RemoveDllDirectory
GetProcessMitigationPolicy SetProcessMitigationPolicy GetFirmwareType
InitializeSynchronizationBarrier EnterSynchronizationBarrier
DeleteSynchronizationBarrier WaitOnAddress WakeByAddressSingle
WakeByAddressAll SetThreadDescription GetThreadDescription
GetCurrentPackageId GetCurrentPackageFullName GetPackageFamilyName
PrefetchVirtualMemory SetThreadInformation GetThreadInformation
GetProcessInformation SetProcessInformation DiscardVirtualMemory
OfferVirtualMemory ReclaimVirtualMemory GetSystemCpuSetInformation
CreatePseudoConsole GetTempPath2W GetTempPath2A GetFileInformationByName
GetSystemTimeAdjustmentPrecise QueryInterruptTime QueryUnbiasedInterruptTimePrecise"

# ok says what passed, unless something failed since the last ok.
nfail=0
seen=0
fail() {
	printf 'dist-check: FAIL: %s\n' "$*" >&2
	nfail=$((nfail + 1))
}
ok() {
	[ $nfail -ne $seen ] || printf 'dist-check: ok: %s\n' "$*"
	seen=$nfail
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- the zip and its files ------------------------------------------------

$MAKE -s dist >/dev/null
VERSION=$(cat "$B/version")
ZIP=$B/dist/mmpclean-$VERSION.zip
[ -f "$ZIP" ] || { fail "$ZIP was not made"; exit 1; }
ok "$ZIP, $(wc -c <"$ZIP") bytes"

EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
# The deployment kit: every committed file under deploy/ but dotfiles.
KIT=$(git ls-files deploy | grep -v '/\.')
[ -n "$KIT" ] || fail "git lists no files under deploy/"
python3 - "$ZIP" "$TMP/unzipped" "$EPOCH" $KIT <<'EOF' || nfail=$((nfail + 1))
import sys, time, zipfile
path, out, epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
want = ["x64/mmpclean.exe", "x86/mmpclean.exe", "README.txt",
        "mmpclean.txt", "report.schema.json", "LICENSE"] + sys.argv[4:] + [
        "SHA256SUMS"]
z = zipfile.ZipFile(path)
names = [i.filename for i in z.infolist()]
bad = 0
if names != want:
    print(f"dist-check: FAIL: zip holds {names}, want {want}", file=sys.stderr)
    bad = 1
date = time.gmtime(epoch - epoch % 2)[:6]	# DOS time: 2 s steps
for i in z.infolist():
    mode = 0o755 if i.filename.endswith(".exe") else 0o644
    if i.date_time != date or i.external_attr >> 16 != 0o100000 | mode:
        print(f"dist-check: FAIL: {i.filename}: date {i.date_time}, mode "
              f"{oct(i.external_attr >> 16)}; want {date}, {oct(mode)}",
              file=sys.stderr)
        bad = 1
z.extractall(out)
sys.exit(bad)
EOF
U=$TMP/unzipped
ok "members, order, dates and modes"

if (cd "$U" && sha256sum --quiet -c SHA256SUMS); then
	n=$(wc -l <"$U/SHA256SUMS")
	want=$((6 + $(printf '%s\n' "$KIT" | wc -l)))
	[ "$n" -eq "$want" ] && ok "SHA256SUMS verifies $n files" ||
	    fail "SHA256SUMS lists $n files, want $want"
else
	fail "SHA256SUMS does not verify"
fi

for f in README.txt mmpclean.txt LICENSE; do
	# Every line ends in CR LF, and there is no other CR.
	tr -d '\r' <"$U/$f" | sed 's/$/\r/' | cmp -s - "$U/$f" &&
	    [ "$(tail -c 1 "$U/$f")" = "" ] || fail "$f: not CRLF text"
done
tr -d '\r' <"$U/README.txt" | cmp -s - README.md || fail "README.txt is not README.md"
tr -d '\r' <"$U/LICENSE" | cmp -s - LICENSE || fail "LICENSE differs from ./LICENSE"
cmp -s "$U/report.schema.json" docs/report.schema.json ||
    fail "report.schema.json differs from docs/report.schema.json"
mandoc -Tascii man/mmpclean.1 | col -bx | tr -d '\r' >"$TMP/man.txt"
tr -d '\r' <"$U/mmpclean.txt" | cmp -s - "$TMP/man.txt" ||
    fail "mmpclean.txt is not man/mmpclean.1 rendered"
if grep -q "$(printf '\b')" "$U/mmpclean.txt"; then
	fail "mmpclean.txt has backspaces (overstrike)"
fi
ok "README.txt, mmpclean.txt, LICENSE: CRLF text from their sources"

for f in $KIT; do
	cmp -s "$U/$f" "$f" || fail "$f in the zip differs from ./$f"
done
# The playbook as unzipped finds the executables beside deploy/, with no
# files/ folder and no variable set (the role's default, by Ansible's own
# templating).
if /usr/bin/python3 - "$U" <<'EOF'; then
import os, sys, yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
top = sys.argv[1]
role = os.path.join(top, "deploy/ansible/roles/mmpclean")
v = {"playbook_dir": os.path.join(top, "deploy/ansible")}
v.update(yaml.safe_load(open(os.path.join(role, "defaults/main.yml"))))
for arch in ("x64", "x86"):
    v["mmpclean_arch"] = arch
    exe = Templar(loader=DataLoader(), variables=v).template(
        "{{ mmpclean_exe_src }}")
    if not os.path.isfile(exe) or \
            os.path.relpath(exe, top) != arch + "/mmpclean.exe":
        sys.exit(f"dist-check: FAIL: the unzipped playbook copies {exe}")
EOF
	ok "deploy/: $(printf '%s\n' "$KIT" | wc -l) files as committed," \
	    "its playbook finding x64/ and x86/"
else
	fail "the unzipped playbook does not find the executables"
fi

# ---- each executable --------------------------------------------------------

# dll!function, one a line, lower-case DLL names.
imports() {
	"$1" -p "$2" | awk '
	    /^[ \t]*DLL Name:/ { dll = tolower($3); next }
	    dll != "" && /^\t[0-9a-f]+\t +[0-9]+ +[^ ]/ { print dll "!" $3 }'
}

check_exe() {	# objdump exe format arch-label
	exe=$2
	name=${exe#"$U"/}
	"$1" -f "$exe" | grep -q "file format $3\$" ||
	    fail "$name: not $3 ($("$1" -f "$exe" | sed -n 's/.*file format //p'))"

	imports "$1" "$exe" >"$TMP/imports"
	dlls=$(cut -d! -f1 "$TMP/imports" | sort -u | paste -sd ' ')
	[ -n "$dlls" ] || fail "$name: no imports found (objdump output changed?)"
	for d in $dlls; do
		case " $RUNTIME_DLLS " in
		*" $d "*)
			fail "$name imports $d ($(grep "^$d!" "$TMP/imports" |
			    cut -d! -f2 | paste -sd ' ')): call it through" \
			    "the tables in src/win32/w32.h, loaded at run time"
			continue ;;
		esac
		case " $ALLOWED_DLLS " in
		*" $d "*) ;;
		*) fail "$name imports $d, which is not on the allow-list" ;;
		esac
	done
	for fn in $NEWER_THAN_7; do
		if grep -qx "[^!]*!$fn" "$TMP/imports"; then
			fail "$name imports $fn (newer than Windows 7): look it up at run time"
		fi
	done
	ok "$4: imports $(wc -l <"$TMP/imports") functions from $dlls;" \
	    "none from $RUNTIME_DLLS"

	"$1" -p "$exe" | grep -q '^Time/Date[[:space:]]*Thu Jan  1 00:00:00 1970$' ||
	    fail "$name: the PE header has a time stamp"

	$WINDRES -i "$exe" -O rc >"$TMP/res.rc" 2>&1 ||
	    { fail "$name: resources unreadable: $(cat "$TMP/res.rc")"; return; }
	nums=$(printf '%s\n' "$VERSION" | sed 's/[-+].*//; s/$/.0/' |
	    awk -F. '{ print $1 ", " $2 ", " $3 ", " $4 + 0 }')
	for want in \
	    " FILEVERSION $nums" " PRODUCTVERSION $nums" \
	    '"ProductName", "mmpclean"' \
	    "\"FileVersion\", \"$VERSION\"" \
	    "\"ProductVersion\", \"$VERSION\"" \
	    '"LegalCopyright", "Copyright (c) 2026 The mmpclean developers"' \
	    '"OriginalFilename", "mmpclean.exe"' \
	    '"FileDescription", "' \
	    'requestedExecutionLevel level=""asInvoker""' \
	    '<longPathAware xmlns=""http://schemas.microsoft.com/SMI/2016/WindowsSettings"">true</longPathAware>' \
	    '{35138b9a-5d96-4fbd-8e2d-a2440225f93a}' \
	    '{4a2f28e3-53b9-4441-ba9c-d69d4a4a6e38}' \
	    '{1f676c76-80e1-4239-95bb-83d0f6d0da78}' \
	    '{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}'; do
		grep -qF -- "$want" "$TMP/res.rc" ||
		    fail "$name: resources lack $want"
	done
	n=$(grep -c '^1 24 /\* RT_MANIFEST \*/' "$TMP/res.rc" || true)
	[ "$n" -eq 1 ] || fail "$name: $n manifests, want 1"
	n=$(grep -c ' VERSIONINFO$' "$TMP/res.rc" || true)
	[ "$n" -eq 1 ] || fail "$name: $n VERSIONINFO resources, want 1"
	ok "$4: no time stamp; VERSIONINFO $VERSION; manifest asInvoker, longPathAware, Windows 7 to 11"
}

check_exe "$OBJDUMP64" "$U/x64/mmpclean.exe" pei-x86-64 x64
check_exe "$OBJDUMP32" "$U/x86/mmpclean.exe" pei-i386 x86
cmp -s "$U/x64/mmpclean.exe" "$B/mmpclean.exe" ||
    fail "x64/mmpclean.exe is not $B/mmpclean.exe, the build e2e tests"

# ---- running them under Wine ------------------------------------------------

# --version, then a report and a delete run on a directory of its own.
# run exe args...: exit status in rc, standard output in out, CR stripped.
run() {
	rc=0
	"$WINE" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	out=$(tr -d '\r' <"$TMP/out")
}
smoke() {	# exe label
	run "$1" --version
	if [ $rc -ne 0 ] || [ "$out" != "mmpclean $VERSION" ]; then
		fail "$2: --version: exit $rc, printed '$out' ($(cat "$TMP/err")), want 'mmpclean $VERSION'"
		return
	fi
	d=$WINEPREFIX/drive_c/distcheck
	rm -rf "$d"
	mkdir -p "$d"
	: >"$d/a.mmp"
	: >"$d/B.MMP"
	: >"$d/keep.txt"
	run "$1" $SERIAL --dir 'C:\distcheck'
	if [ $rc -ne 0 ] || [ "$(printf '%s\n' "$out" | grep -c '^unlocked ')" -ne 2 ] ||
	    [ ! -f "$d/a.mmp" ]; then
		fail "$2: report run: exit $rc: $out $(cat "$TMP/err")"
	fi
	run "$1" $SERIAL --delete --dir 'C:\distcheck'
	if [ $rc -ne 0 ] || [ "$(printf '%s\n' "$out" | grep -c '^deleted ')" -ne 2 ] ||
	    [ -e "$d/a.mmp" ] || [ -e "$d/B.MMP" ] || [ ! -f "$d/keep.txt" ]; then
		fail "$2: delete run: exit $rc: $out $(cat "$TMP/err")"
	fi
	rm -rf "$d"
	ok "$2 under Wine: --version, report, delete"
}

: "${WINEPREFIX:=$B/wineprefix}"
export WINEPREFIX
# A prefix Wine cannot start a program in (one made before wine32:i386
# was installed fails with "could not load kernel32.dll, status c0000135";
# for the x86 build, one made without 32-bit Wine) is made again.
fresh_prefix() {	# cmd.exe to try
	if [ -f "$WINEPREFIX/system.reg" ] &&
	    ! "$WINE" "$1" /c echo ok 2>/dev/null | grep -q '^ok'; then
		printf 'dist-check: %s cannot start %s; making it again\n' \
		    "$WINEPREFIX" "$1"
		wineserver -k 2>/dev/null || true
		wineserver -w 2>/dev/null || true
		rm -rf "$WINEPREFIX"
	fi
}
fresh_prefix cmd
smoke "$U/x64/mmpclean.exe" x64
# The x86 build: the Wine tests/x86/mkwine.sh makes (wine32:i386, or its
# loader under qemu-i386), in make e2e-x86's prefix.  Not being able to
# run it is a failure, not a skip.
if mk=$(sh tests/x86/mkwine.sh "$B/x86wine" 2>&1); then
	printf 'dist-check: %s\n' "$mk"
	opath=$PATH owine=$WINE opfx=$WINEPREFIX
	PATH=$B/x86wine/bin:$PATH WINE=$B/x86wine/bin/wine
	WINEPREFIX=$B/wineprefix-x86
	fresh_prefix 'C:\windows\syswow64\cmd.exe'
	# no worker threads where mkwine.sh found that threads share one
	# descriptor table (qemu-i386: make e2e-x86's E2E_SERIAL; README)
	[ "$(cat "$B/x86wine/serial")" != 1 ] || SERIAL="--threads 1"
	smoke "$U/x86/mmpclean.exe" x86
	wineserver -k 2>/dev/null || true	# this prefix's server
	PATH=$opath WINE=$owine WINEPREFIX=$opfx
else
	fail "x86 under Wine: $mk"
fi

# ---- the version comes from one place ----------------------------------------

# A git that claims HEAD is tagged, so that no real tag is made.
REAL_GIT=$(command -v git)
mkdir -p "$TMP/bin"
cat >"$TMP/bin/git" <<EOF
#!/bin/sh
if [ "\$1" = describe ]; then
	printf '%s\n' "\$FAKE_TAG"
	exit 0
fi
exec "$REAL_GIT" "\$@"
EOF
chmod +x "$TMP/bin/git"

if FAKE_TAG=v9.8.7-rc1 PATH="$TMP/bin:$PATH" $MAKE -s B="$TMP/tag" \
    "$TMP/tag/mmpclean.exe" >"$TMP/tag.log" 2>&1; then
	$WINDRES -i "$TMP/tag/mmpclean.exe" -O rc >"$TMP/tag.rc" 2>&1 || true
	run "$TMP/tag/mmpclean.exe" --version
	if [ "$out" = "mmpclean 9.8.7-rc1" ] &&
	    grep -qF '"FileVersion", "9.8.7-rc1"' "$TMP/tag.rc" &&
	    grep -qF ' FILEVERSION 9, 8, 7, 0' "$TMP/tag.rc"; then
		ok "tag v9.8.7-rc1: --version and VERSIONINFO say 9.8.7-rc1"
	else
		fail "tag v9.8.7-rc1: --version '$out'; $(grep -F FileVersion "$TMP/tag.rc")"
	fi
else
	fail "build with a tag: $(cat "$TMP/tag.log")"
fi
for tag in release-2 "v1.0'x" v1.2.70000; do
	if FAKE_TAG=$tag PATH="$TMP/bin:$PATH" $MAKE -s -n B="$TMP/bad" \
	    "$TMP/bad/mmpclean.exe" >"$TMP/bad.log" 2>&1 ||
	    ! grep -q 'is not N.N.N' "$TMP/bad.log"; then
		fail "tag '$tag' was not refused"
	fi
done
ok "tags that are not versions are refused"

# ---- reproducible -------------------------------------------------------------

# Two builds from nothing, in other directories, a second apart.
for b in r1 r2; do
	$MAKE -s B="$TMP/$b" dist >"$TMP/$b.log" 2>&1 ||
	    { fail "dist in $TMP/$b: $(cat "$TMP/$b.log")"; continue; }
	sleep 1
done
s0=$(sha256sum <"$ZIP" | cut -d' ' -f1)
s1=$(sha256sum <"$TMP/r1/dist/mmpclean-$VERSION.zip" | cut -d' ' -f1) || s1=none
s2=$(sha256sum <"$TMP/r2/dist/mmpclean-$VERSION.zip" | cut -d' ' -f1) || s2=none
if [ "$s0" = "$s1" ] && [ "$s1" = "$s2" ]; then
	ok "reproducible: three builds, one zip, sha256 $s0"
else
	fail "not reproducible: $s0 $s1 $s2"
	for f in $(cut -c 67- "$U/SHA256SUMS"); do
		cmp "$TMP/r1/dist/mmpclean-$VERSION/$f" \
		    "$TMP/r2/dist/mmpclean-$VERSION/$f" >&2 || true
	done
fi

if [ $nfail -ne 0 ]; then
	printf 'dist-check: %d failed\n' $nfail >&2
	exit 1
fi
