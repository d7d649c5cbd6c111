#!/bin/sh
# widget-screenshot.sh - the score widget in a real browser engine.
#
# Renders the widget (`npsgate render`) for each type (NPS, CSAT, CES) in
# each style (stars, icons, gradient), in French and in English, and loads
# each page in headless Chromium at 800, 375 and 320 px wide:
#  - every cell (11 for NPS, 5 CSAT, 7 CES) sits in one row (same top),
#    inside the window, and nothing scrolls sideways;
#  - every score link is a touch target at least 44 px tall;
#  - the text of every score link reaches a WCAG 2 contrast ratio of
#    4.5:1 against the background it is drawn on (from the computed
#    colours);
#  - every score link has an accessible name (aria-label) that starts
#    with its score, and decorative glyphs are aria-hidden.
# A small script in the TEST page (never in the widget) measures the cell
# links and writes the result into the DOM, read back with --dump-dom.
# PNG screenshots at 600x400 go to $top_builddir/tests/widget-screenshots/
# for people to look at. The icons are served by a local HTTP server.
# Exit 0 pass, 1 fail, 77 skip (no chromium), 99 setup error.
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
OUT="${top_builddir:-.}/tests/widget-screenshots"
clitest_chromium
clitest_init widget
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

# Icons: eleven coloured squares, served on a free loopback port.
mkdir -p "$dir/icons" "$OUT"
python3 - "$dir/icons" <<'EOF' || exit 99
import struct, sys, zlib
def png(rgb, n=28):
    raw = b"".join(b"\0" + bytes(rgb) * n for _ in range(n))
    def chunk(t, d):
        return (struct.pack(">I", len(d)) + t + d +
                struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
for s in range(11):
    t = s / 10
    rgb = (int(215 * (1 - t) + 26 * t), int(25 * (1 - t) + 150 * t), 40)
    open(f"{sys.argv[1]}/{s}.png", "wb").write(png(rgb))
EOF
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$dir/icons" && exec python3 -m http.server "$port" --bind 127.0.0.1 \
    >/dev/null 2>&1) &
server=$!

clitest_conf "$dir/npsgate.conf" "$dir/npsgate.db" "$dir/keys" \
    "templates_dir = $SRC/templates"
cat >>"$dir/npsgate.conf" <<EOF
[survey]
icon_url = http://127.0.0.1:$port/{score}.png
privacy_url = https://helpdesk.example/privacy
EOF

# The measuring script: one line of results in <pre id="result">. The
# widget sits in a frame of the width under test, as in a mail client's
# reading pane (headless Chromium will not make a window under 500 px).
cat >"$dir/measure.html" <<'EOF'
</div>
<pre id="result"></pre>
<script>
(function () {
	/* WCAG 2 relative luminance of "rgb(r, g, b)" */
	function lum(c) {
		var v = c.match(/[0-9.]+/g).slice(0, 3).map(function (x) {
			x = x / 255;
			return x <= 0.04045 ? x / 12.92 :
			    Math.pow((x + 0.055) / 1.055, 2.4);
		});
		return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
	}
	/* the colour an element is drawn on: its own background or the
	 * first one set on an ancestor */
	function background(e) {
		var c;
		for (; e && e.nodeType === 1; e = e.parentNode) {
			c = getComputedStyle(e).backgroundColor;
			if (!/^rgba\(.*, 0\)$/.test(c) && c !== 'transparent')
				return c;
		}
		return 'rgb(255, 255, 255)';
	}
	var frame = document.getElementById('frame');
	var limit = frame.getBoundingClientRect().right;
	var cells = document.querySelectorAll('td[align="center"] > a');
	var tops = {}, right = 0, minh = 9999, minw = 9999, minc = 9999;
	var named = 0, shown = 0, i, r, a, b, c, l, s;
	for (i = 0; i < cells.length; i++) {
		r = cells[i].getBoundingClientRect();
		tops[Math.round(r.top)] = 1;
		right = Math.max(right, r.right);
		minh = Math.min(minh, r.height);
		minw = Math.min(minw, r.width);
		a = lum(getComputedStyle(cells[i]).color);
		b = lum(background(cells[i]));
		c = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		minc = Math.min(minc, c);
		l = cells[i].getAttribute('aria-label') || '';
		if (l.indexOf(String(i + (cells.length === 11 ? 0 : 1))) === 0 &&
		    l.length > 3)
			named++;
		/* a glyph that is not the score must be hidden from
		 * screen readers */
		s = cells[i].querySelectorAll('span');
		for (var j = 0; j < s.length; j++)
			if (s[j].getAttribute('aria-hidden') !== 'true')
				shown++;
	}
	document.getElementById('result').textContent = 'cells=' +
	    cells.length + ' rows=' + Object.keys(tops).length + ' right=' +
	    Math.ceil(right) + ' limit=' + Math.floor(limit) + ' overflow=' +
	    (frame.scrollWidth > frame.clientWidth ||
	    document.documentElement.scrollWidth >
	    document.documentElement.clientWidth ? 1 : 0) +
	    ' cellw=' + Math.floor(minw) + ' cellh=' + Math.floor(minh) +
	    ' contrast100=' + Math.floor(minc * 100) + ' named=' + named +
	    ' shown=' + shown;
})();
</script>
EOF

chrome() {
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync --hide-scrollbars \
	    --user-data-dir="$dir/profile" "$@" 2>>"$dir/chromium.log"
}

# Wait for the icon server (python needs a moment to listen).
i=0
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/0.png', timeout=1)" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 50 ] && { echo "icon server did not start" >&2; exit 99; }
	sleep 0.1
done

# get NAME: a number from the result line.
get() {
	echo "$res" | sed "s/.*$1=\([0-9]*\).*/\1/"
}

checked=0
for spec in "nps 11" "csat 5" "ces 7"; do
for style in stars icons gradient; do
for lang in fr en; do
	set -- $spec
	type=$1 want=$2
	name="$style-$lang-$type"
	widget="$dir/$name.html"
	if ! "$NPSGATE" render -c "$dir/npsgate.conf" --style "$style" \
	    --lang "$lang" --type "$type" >"$widget" 2>"$dir/err"; then
		fail "npsgate render $name: $(cat "$dir/err")"
		continue
	fi
	for width in 800 375 320; do
		# The test page: the widget in its frame, then the script.
		page="$dir/$name-$width.html"
		awk -v f="$dir/measure.html" -v w="$width" '
		/<\/body>/ {
			while ((getline l < f) > 0) print l
			close(f)
		}
		{ print }
		/<body/ { print "<div id=\"frame\" style=\"width:" w "px;" \
		    "margin:0;padding:0;overflow:auto\">" }' "$widget" >"$page"
		chrome --window-size=1000,800 --dump-dom "file://$page" \
		    >"$dir/dom" || { fail "$name: chromium failed"; continue; }
		res=$(sed -n 's/.*<pre id="result">\([^<]*\)<.*/\1/p' "$dir/dom")
		[ -n "$res" ] || { fail "$name at $width px: no result"; continue; }
		if [ "$(get cells)" != "$want" ] || [ "$(get rows)" != 1 ] ||
		    [ "$(get right)" -gt "$(get limit)" ] ||
		    [ "$(get overflow)" != 0 ] || [ "$(get cellw)" -lt 20 ] ||
		    [ "$(get cellh)" -lt 44 ] ||
		    [ "$(get contrast100)" -lt 450 ] ||
		    [ "$(get named)" != "$want" ] || [ "$(get shown)" != 0 ]
		then
			fail "$name at $width px: $res (want cells=$want" \
			    "rows=1, right <= limit, no overflow, cells >= 20" \
			    "px wide and >= 44 px tall, contrast >= 4.5," \
			    "named=$want, shown=0)"
		else
			echo "ok: $name at $width px: $res"
			checked=$((checked + 1))
		fi
	done
	chrome --window-size=600,400 --screenshot="$OUT/$name.png" \
	    "file://$widget" >/dev/null ||
	    fail "$name: no screenshot"
done
done
done
echo "$checked layouts checked; screenshots in $OUT"
[ "$fails" -eq 0 ] || exit 1
exit 0
