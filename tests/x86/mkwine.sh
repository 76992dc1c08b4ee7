#!/bin/sh
# Makes DIR/bin/{wine,wineboot,wineserver}: the Wine that runs the 32-bit
# build (build/x86/mmpclean.exe).  Put DIR/bin first on PATH and give it a
# prefix of its own (make e2e-x86 and dist-check do).
#
#   native  wine32:i386 is installed and this kernel runs i386 code: the
#           machine's Wine, as it is.
#   qemu    this kernel cannot run i386 code (no 32-bit code segment, as
#           under some hypervisors: an i386 ELF gives "Exec format error"),
#           so wine32:i386 cannot be installed without breaking the 64-bit
#           Wine too (/usr/bin/wine then starts the 32-bit loader first).
#           Instead a private copy of Wine's tree whose 32-bit loader runs
#           under qemu-i386 (user-mode emulation); everything 64-bit still
#           runs natively, with the same wineserver and the same prefix
#           format.  .ci/deps installs qemu-user and libwine:i386 and puts
#           wine32:i386's loader in $WINE32_LOADER.
#
# Prints the mode; exits 1 with the reason when neither is possible.
# DIR/serial holds 1 when the x86 exe must run without worker threads
# there (tests/x86/tls-probe.s), else nothing; DIR/mode the mode.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)

WINE32_LOADER=${WINE32_LOADER:-/usr/local/lib/mmpclean/wine32/wine}

# Whether the kernel runs an i386 ELF (exit 42): a 96-byte program, so
# that nothing 32-bit need be installed to ask.
can_run_i386() {
	t=$(mktemp)
	printf '\177ELF\1\1\1\0\0\0\0\0\0\0\0\0\2\0\3\0\1\0\0\0\124\200\4\10\64\0\0\0\0\0\0\0\0\0\0\0\64\0\40\0\1\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\200\4\10\0\200\4\10\140\0\0\0\140\0\0\0\5\0\0\0\0\20\0\0\273\52\0\0\0\270\1\0\0\0\315\200' >"$t"
	chmod +x "$t"
	rc=0
	"$t" 2>/dev/null || rc=$?
	rm -f "$t"
	[ "$rc" -eq 42 ]
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

rm -rf "${1:?usage: mkwine.sh DIR}"
mkdir -p "$1/bin"
DIR=$(cd "$1" && pwd)

if can_run_i386; then
	if ! installed wine32:i386; then
		echo "mkwine: wine32:i386 is not installed (make deps, as root)" >&2
		exit 1
	fi
	for t in wine wineboot wineserver; do
		ln -s "$(command -v $t)" "$DIR/bin/$t"
	done
	echo native >"$DIR/mode"
	: >"$DIR/serial"	# Linux keeps TLS descriptors per thread
	echo "x86 Wine: native (wine32:i386)"
	exit 0
fi

why="this kernel cannot run i386 code (an i386 ELF gives Exec format error)"
for need in "$WINE32_LOADER" /usr/lib/wine/wine64 \
    /usr/lib/i386-linux-gnu/wine/i386-unix/ntdll.so; do
	if [ ! -e "$need" ]; then
		echo "mkwine: $why, and $need is missing: run make deps (as root)" >&2
		exit 1
	fi
done
if ! command -v qemu-i386 >/dev/null 2>&1; then
	echo "mkwine: $why, and qemu-i386 is missing: run make deps (as root)" >&2
	exit 1
fi
if installed wine32:i386; then
	echo "mkwine: $why, but wine32:i386 is installed: every wine start" \
	    "fails (Exec format error); apt-get remove wine32:i386" >&2
	exit 1
fi

# Wine finds its DLLs, its data and the other loader relative to the
# loader's own path, so the tree is laid out as in /usr.
T=$DIR/root
mkdir -p "$T/usr/lib/wine" "$T/usr/lib/x86_64-linux-gnu" \
    "$T/usr/lib/i386-linux-gnu" "$T/usr/share"
cp /usr/lib/wine/wine64 "$T/usr/lib/wine/wine64"
cp "$WINE32_LOADER" "$T/usr/lib/wine/wine32.bin"
ln -s /usr/lib/wine/wineserver "$T/usr/lib/wine/wineserver"
ln -s /usr/lib/x86_64-linux-gnu/wine "$T/usr/lib/x86_64-linux-gnu/wine"
ln -s /usr/lib/i386-linux-gnu/wine "$T/usr/lib/i386-linux-gnu/wine"
ln -s /usr/share/wine "$T/usr/share/wine"
# -R: the guest's address space.  Wine wants its shared user data at
# 0x7ffe0000, so it must reach past 0x7fff0000; qemu's bookkeeping is page
# by page, and a start took 85 s with 4 GiB, 4 s with this (measured).
cat >"$T/usr/lib/wine/wine" <<EOF
#!/bin/sh
exec qemu-i386 -R 0x80400000 -L / "$T/usr/lib/wine/wine32.bin" "\$@"
EOF
cat >"$DIR/bin/wine" <<EOF
#!/bin/sh
WINELOADER="$T/usr/lib/wine/wine64"
export WINELOADER
exec "$T/usr/lib/wine/wine64" "\$@"
EOF
cat >"$DIR/bin/wineboot" <<EOF
#!/bin/sh
exec "$DIR/bin/wine" wineboot "\$@"
EOF
chmod +x "$T/usr/lib/wine/wine" "$DIR/bin/wine" "$DIR/bin/wineboot"
ln -s "$(command -v wineserver)" "$DIR/bin/wineserver"
echo qemu >"$DIR/mode"

# Whether threads can run there: Wine's 32-bit loader gives each thread
# its TEB through one GDT entry that every thread sets for itself, which
# needs per-thread descriptors (tls-probe.s says why and how it asks).
if ! as --32 -o "$DIR/tls-probe.o" "$HERE/tls-probe.s" ||
    ! ld -m elf_i386 -o "$DIR/tls-probe" "$DIR/tls-probe.o"; then
	echo "mkwine: cannot assemble tests/x86/tls-probe.s (binutils)" >&2
	exit 1
fi
rc=0
qemu-i386 "$DIR/tls-probe" >/dev/null || rc=$?
case $rc in
0)	: >"$DIR/serial"
	threads="its threads keep their own descriptors" ;;
1)	echo 1 >"$DIR/serial"
	threads="qemu-i386 gives all of a process's threads one descriptor"
	threads="$threads table (tests/x86/tls-probe.s), so Wine's threads"
	threads="$threads would share one TEB: the x86 exe runs with"
	threads="$threads --threads 1" ;;
*)	echo "mkwine: tests/x86/tls-probe.s under qemu-i386 failed" \
	    "(exit $rc)" >&2
	exit 1 ;;
esac
echo "x86 Wine: qemu ($why; the 32-bit loader runs under qemu-i386;" \
    "$threads)"
