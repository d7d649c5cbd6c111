#!/bin/sh
# report-screenshot.sh - the HTML report in a real browser engine.
#
# Fills a store with 20 weeks of surveys for four agents (one with an
# agent name full of HTML), renders `npsgate report --by agent --format
# html`, and takes a screenshot with headless Chromium. The PNG is decoded
# with Python's zlib and checked: the page is not blank, the trend line's
# blue and the three category colours of the stacked bars are there.
# The PNG stays in $top_builddir/tests/report-screenshots/ for people to
# look at. Exit 0 pass, 1 fail, 77 skip (no chromium), 99 setup error.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
OUT="${top_builddir:-.}/tests/report-screenshots"
clitest_chromium
clitest_init report-shot
mkdir -p "$OUT" "$dir/profile"
clitest_conf "$dir/npsgate.conf" "$dir/npsgate.db"
printf '[report]\nmin_responses = 10\n' >>"$dir/npsgate.conf"
"$NPSGATE" stats -c "$dir/npsgate.conf" >/dev/null || exit 99

# Deterministic data: each agent's scores drift over the weeks.
python3 - "$dir/npsgate.db" <<'EOF' || exit 99
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
t0 = 1767225600  # 2026-01-01
agents = ["alice", "bob", "chloé", '<b>Mallory</b> & "co"']
n = 0
for week in range(20):
    for a, agent in enumerate(agents):
        for k in range(6 if a < 3 else 2):
            n += 1
            sid = "s%015d" % n
            at = t0 + week * 7 * 86400 + k * 3600 * 20
            con.execute("INSERT INTO surveys (id, key_id, type, recipient,"
                        " agent, channel, created_at) VALUES (?,1,'nps',?,?,"
                        "'email',?)", (sid, "c%d@example.com" % n, agent, at))
            if (n * 7) % 10 < 7:
                score = (n * 37 + week * 3 + a * 5) % 11
                if a == 1:
                    score = min(10, score + week // 4)
                cat = "detractor" if score <= 6 else \
                    "passive" if score <= 8 else "promoter"
                con.execute("INSERT INTO responses (survey_id, score,"
                            " category, received_at) VALUES (?,?,?,?)",
                            (sid, score, cat, at + 7200))
con.commit()
EOF

"$NPSGATE" report -c "$dir/npsgate.conf" --by agent --format html \
    >"$dir/report.html" || { echo "FAIL: npsgate report" >&2; exit 1; }
cp "$dir/report.html" "$OUT/report.html"

timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$dir/profile" \
    --screenshot="$dir/report.png" --window-size=1200,900 \
    "file://$dir/report.html" >"$dir/chromium.log" 2>&1
if [ ! -s "$dir/report.png" ]; then
	echo "FAIL: no screenshot; chromium said:" >&2
	tail -5 "$dir/chromium.log" >&2
	exit 1
fi
cp "$dir/report.png" "$OUT/report.png"

# Decode the PNG (8-bit RGB or RGBA, any filter) and count colours.
python3 - "$dir/report.png" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, t = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if t == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif t == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), "PNG type %d/%d" % (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
counts = {"nonwhite": 0, "blue": 0, "red": 0, "grey": 0, "green": 0}
i = 0
for y in range(h):
    f = raw[i]
    line = bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1:
            line[x] = (line[x] + a) & 255
        elif f == 2:
            line[x] = (line[x] + b) & 255
        elif f == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[x] = (line[x] + pr) & 255
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        if (r, g, b) != (255, 255, 255):
            counts["nonwhite"] += 1
        def near(cr, cg, cb):
            return abs(r - cr) < 30 and abs(g - cg) < 30 and abs(b - cb) < 30
        if near(0x1f, 0x5f, 0xa8):
            counts["blue"] += 1
        if near(0xd7, 0x19, 0x1c):
            counts["red"] += 1
        if near(0xbd, 0xbd, 0xbd):
            counts["grey"] += 1
        if near(0x1a, 0x96, 0x41):
            counts["green"] += 1
    prev = line
print("screenshot %dx%d: %s" % (w, h, counts))
fails = []
if counts["nonwhite"] < w * h // 50:
    fails.append("the page is (nearly) blank")
if counts["blue"] < 300:
    fails.append("no trend line (blue)")
for colour in ("red", "grey", "green"):
    if counts[colour] < 2000:
        fails.append("stacked bars: too little %s" % colour)
if fails:
    print("FAIL: " + "; ".join(fails))
    sys.exit(1)
EOF
st=$?
[ "$st" -eq 0 ] && echo "report-screenshot: chart present ($OUT/report.png)"
exit "$st"
