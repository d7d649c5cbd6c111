#!/bin/sh
# tests/fuzz/build.sh SRCDIR OUTDIR LIBSOURCE... - builds the libFuzzer
# targets with clang, ASan and UBSan: the library sources given (the .c
# among them; `make fuzz` passes lib_libnpsgate_a_SOURCES) are compiled
# again into OUTDIR/obj, apart from the gcc build, then each
# tests/fuzz/fuzz_NAME.c is linked into OUTDIR/fuzz_NAME.
# Environment: CLANG (default clang), FUZZ_CPPFLAGS (the dependencies'
# -I flags), FUZZ_LIBS (their -l flags), FUZZ_JOBS (parallel compiles).
# Only what changed is compiled again. A target whose library source is
# not in the list yet is skipped with a message.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 SRCDIR OUTDIR LIBSOURCE..." >&2; exit 2; }
srcdir=$(cd "$1" && pwd)
out=$2
shift 2
CLANG=${CLANG:-clang}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
command -v "$CLANG" >/dev/null 2>&1 || {
	echo "fuzz: $CLANG not found: install the Debian packages clang and" \
	    "libclang-rt-14-dev (apt-get install -y clang libclang-rt-14-dev)" >&2
	exit 1
}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

# Templates are read from SRCDIR/templates, as they would be from
# $(pkgdatadir)/templates once installed.
cflags="-std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
-fsanitize=address,undefined -fno-sanitize-recover=undefined \
-I$srcdir/lib -I$srcdir/tests/fuzz \
-DNPSGATE_SYSCONFDIR=\"/etc/npsgate\" -DNPSGATE_DATADIR=\"$srcdir\" \
-DNPSGATE_SBINDIR=\"/usr/sbin\" -DFUZZ_SRCDIR=\"$srcdir\" \
${FUZZ_CPPFLAGS:-}"

# The newest header: every object older than it is compiled again.
newest_h=$(ls -t "$srcdir"/lib/*/*.h "$srcdir"/tests/fuzz/*.h | head -1)
srcs=
for s in "$@"; do
	case $s in *.c) srcs="$srcs $s" ;; esac
done
todo=
for s in $srcs; do
	o=$out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')
	if [ ! -f "$o" ] || [ "$srcdir/$s" -nt "$o" ] || [ "$newest_h" -nt "$o" ]
	then
		todo="$todo $s"
	fi
done
if [ -n "$todo" ]; then
	echo "  CLANG    $(echo $todo | wc -w) library sources -> $out/obj"
	# shellcheck disable=SC2086
	printf '%s\n' $todo | CLANG=$CLANG cflags=$cflags srcdir=$srcdir \
	    out=$out xargs -P "$FUZZ_JOBS" -I{} sh -c '
		o=$out/obj/$(echo "{}" | tr / _ | sed "s/\.c\$/.o/")
		$CLANG $cflags -fsanitize=fuzzer-no-link -c "$srcdir/{}" \
		    -o "$o.tmp" && mv "$o.tmp" "$o"' || {
		echo "fuzz: compiling the library with $CLANG failed" >&2
		exit 1
	}
	rm -f "$out/libnpsgate-fuzz.a"
fi
if [ ! -f "$out/libnpsgate-fuzz.a" ]; then
	objs=
	for s in $srcs; do
		objs="$objs $out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
	done
	# shellcheck disable=SC2086
	ar rcs "$out/libnpsgate-fuzz.a" $objs
fi

# needs NAME: the library source a target cannot link without.
needs() {
	case $1 in
	rewrite) echo lib/outgoing/rewrite.c ;;
	reply) echo lib/incoming/reply.c ;;
	themes) echo lib/themes/themes.c ;;
	*) echo lib/base/buf.c ;;
	esac
}
for t in token config mime rewrite reply themes; do
	need=$(needs $t)
	[ -f "$srcdir/tests/fuzz/fuzz_$t.c" ] || continue
	case " $srcs " in
	*" $need "*) ;;
	*)
		echo "  SKIP     fuzz_$t: $need is not in the library yet"
		continue
		;;
	esac
	bin=$out/fuzz_$t
	if [ -f "$bin" ] && [ "$bin" -nt "$out/libnpsgate-fuzz.a" ] &&
	    [ "$bin" -nt "$srcdir/tests/fuzz/fuzz_$t.c" ] &&
	    [ "$bin" -nt "$srcdir/tests/fuzz/fuzz_util.c" ] &&
	    [ "$bin" -nt "$newest_h" ]; then
		continue
	fi
	echo "  CCLD     $bin"
	# shellcheck disable=SC2086
	$CLANG $cflags -DNPS_LIBFUZZER -fsanitize=fuzzer \
	    "$srcdir/tests/fuzz/fuzz_$t.c" "$srcdir/tests/fuzz/fuzz_util.c" \
	    "$out/libnpsgate-fuzz.a" ${FUZZ_LIBS:-} -o "$bin.tmp"
	mv "$bin.tmp" "$bin"
done
