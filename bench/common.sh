# Shared by the benchmark scripts, sourced from the top of the source tree.

# bench_guestcore BUILDDIR: G becomes the guestcore program itself, as
# installed, rather than libtool's wrapper script (which starts a shell and
# sed first: about 20 ms a run here).
bench_guestcore() {
	G="$1/core/guestcore"
	[ -x "$G" ] || { echo "build first: sh scripts/test-all.sh (or make in $1)"; exit 1; }
	command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time"; exit 1; }
	if [ -x "$1/core/.libs/guestcore" ]; then
		G="$1/core/.libs/guestcore"
		LD_LIBRARY_PATH="$(cd "$1/core/.libs" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
		export LD_LIBRARY_PATH
	fi
}

# bench_init [BUILDDIR] RUNS: build (BUILDDIR, default _build/normal), runs
# ($RUNS, default RUNS) and G, as every script starts.
bench_init() {
	build=${1:-_build/normal}
	runs=${RUNS:-$2}
	bench_guestcore "$build"
}

now() { date +%s.%N; }

# timed FILE CMD...: run CMD, and append the seconds it took to FILE.  Its
# exit status is CMD's.
timed() {
	_tf=$1
	shift
	_t0=$(now)
	_trc=0
	"$@" || _trc=$?
	_t1=$(now)
	echo "$_t1 - $_t0" | bc -l >>"$_tf"
	return $_trc
}

# The median of the numbers on standard input, one a line.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# absdir DIR: make DIR and print its absolute path.
absdir() { mkdir -p "$1" && cd "$1" && pwd; }

# fill_quarter FILE MIB: write MIB MiB over FILE from its start (in place, so
# a file stays allocated), one page in four random, the rest zeros.
fill_quarter() { fill_pages "$1" "$2" quarter; }

# fill_mixed FILE MIB: the same, in each run of four pages one random, one
# text-like (words of a small vocabulary, about as compressible as kernel
# text and page cache) and two zero pages.
fill_mixed() { fill_pages "$1" "$2" mixed; }

fill_pages() {
	python3 - "$1" "$2" "$3" <<'EOF2'
import os, random, sys
mode = "r+b" if os.path.exists(sys.argv[1]) else "wb"
words = [bytes(w, "ascii") for w in (
    "the of and to in is that for it as was with be by on not he this are or his from at which but have an they "
    "you were her she there been one all we their has would when if so what out up into no more its said them "
    "kernel page memory guest struct return static int void unsigned long const char buffer error value").split()]
rng = random.Random(1)
texts = []
for _ in range(64):
    t = bytearray()
    while len(t) < 4096:
        t += rng.choice(words) + (b"\n" if rng.random() < 0.1 else b" ")
    texts.append(bytes(t[:4096]))
with open(sys.argv[1], mode) as f:
    for m in range(int(sys.argv[2])):
        rnd = os.urandom(64 * 4096)
        mib = bytearray(256 * 4096)
        for i in range(64):
            mib[i * 4 * 4096:(i * 4 + 1) * 4096] = rnd[i * 4096:(i + 1) * 4096]
            if sys.argv[3] == "mixed":
                mib[(i * 4 + 1) * 4096:(i * 4 + 2) * 4096] = texts[(i * 7 + m) % 64]
        f.write(mib)
EOF2
}

# start_shared_guest SOCK MEM SHARE: a paused 1 GiB TCG guest whose RAM is
# the memory-backend-file MEM (share=on|off), its QMP socket SOCK; $qpid.
start_shared_guest() {
	rm -f "$1"
	qemu-system-x86_64 -machine pc,accel=tcg,memory-backend=mem \
		-object memory-backend-file,id=mem,size=1G,mem-path="$2",share="$3" \
		-smp 2 -display none -nodefaults -qmp unix:"$1",server=on,wait=off &
	qpid=$!
	while [ ! -S "$1" ]; do sleep 0.05; done
	sleep 1
}

# bench_test_source BUILDDIR DIR: the test source (built by 'make check') as
# the only plugin of DIR/plugins: the suite's other test plugins hang on
# purpose.
bench_test_source() {
	[ -f "$1/tests/plugins/.libs/tp_source.so" ] || { echo "build the test source first: make check in $1"; exit 1; }
	mkdir -p "$2/plugins"
	cp "$1/tests/plugins/.libs/tp_source.so" "$2/plugins/"
}
