#!/bin/sh
# Shows mmpclean at work under Wine: a profile directory C:\mmpdemo with
# some .mmp files, two of them held open (locked) by another Windows process,
# the way an IIS process holds them.  Run by `make demo`.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXE=$ROOT/build/mmpclean.exe
HOLD=$ROOT/build/holdlock.exe
WINEPREFIX=${WINEPREFIX:-$ROOT/build/wineprefix}
WINEDEBUG=${WINEDEBUG:--all}
WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES

KEY='HKLM\Software\Microsoft\Windows Messaging Subsystem'
DEMO=$WINEPREFIX/drive_c/mmpdemo
WDEMO='C:\mmpdemo'
READY=$WINEPREFIX/drive_c/mmpdemo.ready

for f in "$EXE" "$HOLD"; do
	if [ ! -f "$f" ]; then
		echo "demo: $f is missing; run 'make demo'" >&2
		exit 1
	fi
done

TMP=$(mktemp -d)
holder=

cleanup() {
	set +e
	if [ -n "$holder" ]; then
		exec 3>&-
		wait "$holder"
	fi
	wine reg delete "$KEY" /v ProfileDirectory /f /reg:64 >/dev/null 2>&1
	rm -rf "$DEMO" "$READY" "$TMP"
	wineserver -k
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
	echo
	echo "=== $*"
}

# Runs mmpclean and shows its output and exit status; never stops the script.
mmpclean() {
	echo "\$ mmpclean${*:+ $*}"
	set +e
	wine "$EXE" "$@" >"$TMP/out" 2>&1
	st=$?
	set -e
	tr -d '\r' <"$TMP/out"
	echo "(exit status $st)"
}

# A prefix made before wine32:i386 was installed cannot start a program
# ("could not load kernel32.dll, status c0000135"): made again.
if [ -f "$WINEPREFIX/system.reg" ] &&
    ! wine cmd /c echo ok 2>/dev/null | grep -q '^ok'; then
	echo "The Wine prefix $WINEPREFIX cannot start a program; making it again"
	wineserver -k || true
	wineserver -w || true
	rm -rf "$WINEPREFIX"
fi
if [ ! -f "$WINEPREFIX/system.reg" ]; then
	echo "Creating the Wine prefix $WINEPREFIX (takes a few seconds)"
	wineboot -i
	wineserver -w
fi
wineserver -p || true	# keep one server for the whole demo

step "A profile directory $WDEMO with four .mmp files and a text file"
rm -rf "$DEMO" "$READY"
mkdir -p "$DEMO"
for n in 0001 0002 0003 0004; do
	echo "MAPI profile data" >"$DEMO/mapi-$n.mmp"
done
echo "not a MAPI file" >"$DEMO/readme.txt"
ls -l "$DEMO"

step "An IIS stand-in holds mapi-0002.mmp and mapi-0004.mmp open"
mkfifo "$TMP/hold"
wine "$HOLD" 'C:\mmpdemo.ready' "$WDEMO\\mapi-0002.mmp" \
    "$WDEMO\\mapi-0004.mmp" <"$TMP/hold" &
holder=$!
exec 3>"$TMP/hold"
i=0
while [ ! -f "$READY" ]; do
	i=$((i + 1))
	if [ "$i" -gt 30 ]; then
		echo "demo: the lock holder did not start" >&2
		exit 1
	fi
	sleep 1
done
echo "holdlock.exe (pid $holder) holds them"

step "Point ProfileDirectory at $WDEMO"
echo "\$ reg add \"HKLM\\Software\\Microsoft\\Windows Messaging Subsystem\"" \
    "/v ProfileDirectory /t REG_SZ /d $WDEMO"
wine reg add "$KEY" /v ProfileDirectory /t REG_SZ /d "$WDEMO" /f /reg:64 \
    >/dev/null

step "Where would mmpclean look?"
mmpclean --where

step "Report (the default): deletes nothing"
mmpclean

step "Delete: the free files go, the locked ones stay"
mmpclean --delete

step "What is left in $WDEMO"
ls -l "$DEMO"

step "The IIS stand-in lets go of its files"
exec 3>&-
wait "$holder" || true
holder=
echo "released"

step "Delete again: nothing locked remains"
mmpclean --delete

step "What is left in $WDEMO"
ls -l "$DEMO"
