#!/bin/sh
# widget-screenshot.sh - the score widget in a real browser engine.
#
# Renders the widget (`npsgate render`) for each type (NPS, CSAT, CES) in
# each style (numbers, stars, icons, gradient), in French and in English,
# and loads each page in headless Chromium at 800, 375 and 320 px wide:
#  - every cell (11 for NPS, 5 CSAT, 7 CES) sits in one row (same top),
#    inside the window, and nothing scrolls sideways;
#  - every score link is a touch target at least 44 px tall;
#  - the text of every score link reaches a WCAG 2 contrast ratio of
#    4.5:1 against the background it is drawn on (from the computed
#    colours), and so does every other text of the widget;
#  - every score link has an accessible name (aria-label) that starts
#    with its score, and decorative glyphs are aria-hidden;
#  - every cell shows its number as text; a CSAT star cell shows as many
#    filled stars as its score; an icon cell shows the image of its type
#    and score.
# At 375 px each page is loaded again with the browser in dark mode
# (prefers-color-scheme: dark, which the preview page accepts): every
# text of the widget still reaches 4.5:1. And the English pages at 375 px
# are drawn once more with Chromium's forced dark mode, which recolours a
# page that does not declare dark colours, as a help desk's mail is (the
# color-scheme meta taken out): the number of every cell, measured on the
# screenshot's pixels by tests/tools/cell-contrast.py, reaches 4.5:1. A widget with align = center
# must sit in the middle of a wide frame.
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
for kind, lo, hi in (("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7)):
    for s in range(lo, hi + 1):
        t = (s - lo) / (hi - lo)
        rgb = (int(215 * (1 - t) + 26 * t), int(25 * (1 - t) + 150 * t), 40)
        open(f"{sys.argv[1]}/{kind}-{s}.png", "wb").write(png(rgb))
EOF
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$dir/icons" && exec python3 -m http.server "$port" --bind 127.0.0.1 \
    >/dev/null 2>&1) &
server=$!

clitest_conf "$dir/npsgate.conf" "$dir/npsgate.db" "$dir/keys" \
    "templates_dir = $SRC/templates"
cat >>"$dir/npsgate.conf" <<EOF
[survey]
icon_url = http://127.0.0.1:$port/{type}-{score}.png
privacy_url = https://helpdesk.example/privacy
EOF
sed 's/^\[survey\]$/[survey]\nalign = center/' "$dir/npsgate.conf" \
    >"$dir/centred.conf"

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
	function contrast(e) {
		var a = lum(getComputedStyle(e).color), b = lum(background(e));
		return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
	}
	/* In dark mode a page that accepts it (color-scheme) is drawn on
	 * Chromium's dark canvas, #121212. */
	var meta = document.querySelector('meta[name="color-scheme"]');
	var dark = matchMedia('(prefers-color-scheme: dark)').matches &&
	    meta !== null && /dark/.test(meta.content);
	/* the colour an element is drawn on: its own background or the
	 * first one set on an ancestor */
	function background(e) {
		var c;
		for (; e && e.nodeType === 1; e = e.parentNode) {
			c = getComputedStyle(e).backgroundColor;
			if (!/^rgba\(.*, 0\)$/.test(c) && c !== 'transparent')
				return c;
		}
		return dark ? 'rgb(18, 18, 18)' : 'rgb(255, 255, 255)';
	}
	/* what a cell shows as text, its aria-hidden glyphs left out */
	function visible(e) {
		var t = '', n;
		for (n = e.firstChild; n; n = n.nextSibling)
			if (n.nodeType === 3)
				t += n.nodeValue;
			else if (n.nodeType === 1 &&
			    n.getAttribute('aria-hidden') !== 'true')
				t += visible(n);
		return t;
	}
	var frame = document.getElementById('frame');
	var type = frame.getAttribute('data-type');
	var limit = frame.getBoundingClientRect().right;
	var cells = document.querySelectorAll('a[href^="mailto:"]');
	var tops = {}, right = 0, minh = 9999, minw = 9999, minc = 9999;
	var named = 0, shown = 0, digits = 0, fill = 0, icons = 0, textc = 99;
	var i, r, a, b, c, l, s, score, img, all, box, want, rects = [];
	for (i = 0; i < cells.length; i++) {
		/* where the number is drawn: the lower half of a cell with
		 * a glyph or an image above it, else the whole cell */
		r = cells[i].getBoundingClientRect();
		if (cells[i].querySelector('br'))
			rects.push([r.left, r.top + r.height / 2, r.width,
			    r.height / 2].map(Math.round).join(','));
		else
			rects.push([r.left, r.top, r.width,
			    r.height].map(Math.round).join(','));
		score = i + (cells.length === 11 ? 0 : 1);
		if (visible(cells[i]).trim() === String(score))
			digits++;
		s = cells[i].querySelector('span[aria-hidden="true"]');
		if (s && (s.textContent.match(/\u2605/g) || []).length === score &&
		    (s.textContent.match(/\u2606/g) || []).length ===
		    cells.length - score)
			fill++;
		img = cells[i].querySelector('img');
		want = '/' + type + '-' + score + '.png';
		if (img && img.src.slice(-want.length) === want)
			icons++;
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
	/* every element that holds text of its own, but the hidden glyphs */
	all = frame.querySelectorAll('*');
	for (i = 0; i < all.length; i++) {
		for (s = all[i].firstChild; s; s = s.nextSibling)
			if (s.nodeType === 3 && s.nodeValue.trim() !== '')
				break;
		if (s && all[i].getAttribute('aria-hidden') !== 'true')
			textc = Math.min(textc, contrast(all[i]));
	}
	/* how far the widget's middle is from the frame's */
	box = frame.querySelector('table').getBoundingClientRect();
	r = frame.getBoundingClientRect();
	document.getElementById('result').textContent = 'cells=' +
	    cells.length + ' rows=' + Object.keys(tops).length + ' right=' +
	    Math.ceil(right) + ' limit=' + Math.floor(limit) + ' overflow=' +
	    (frame.scrollWidth > frame.clientWidth ||
	    document.documentElement.scrollWidth >
	    document.documentElement.clientWidth ? 1 : 0) +
	    ' cellw=' + Math.floor(minw) + ' cellh=' + Math.floor(minh) +
	    ' contrast100=' + Math.floor(minc * 100) + ' named=' + named +
	    ' shown=' + shown + ' digits=' + digits + ' fill=' + fill +
	    ' icons=' + icons + ' textc100=' + Math.floor(textc * 100) +
	    ' offcentre=' + Math.round(Math.abs((box.left + box.right) / 2 -
	    (r.left + r.right) / 2)) + ' narrower=' +
	    (box.width < r.width - 20 ? 1 : 0) + ' dark=' + (dark ? 1 : 0) +
	    ' rects=' + rects.join(';');
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
until python3 -c "import urllib.request; urllib.request.urlopen(
    'http://127.0.0.1:$port/nps-0.png', timeout=1)" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 50 ] && { echo "icon server did not start" >&2; exit 99; }
	sleep 0.1
done

# get NAME: a number from the result line.
get() {
	echo "$res" | sed "s/.*$1=\([0-9]*\).*/\1/"
}

# measure WIDGET WIDTH TYPE [CHROMIUM FLAGS]: loads the widget in a frame
# of WIDTH px and sets res to the result line; 1 when there is none.
measure() {
	m_widget=$1 m_width=$2 m_type=$3
	shift 3
	page="${m_widget%.html}-$m_width.html"
	awk -v f="$dir/measure.html" -v w="$m_width" -v t="$m_type" '
	/<\/body>/ {
		while ((getline l < f) > 0) print l
		close(f)
	}
	{ print }
	/<body/ { print "<div id=\"frame\" data-type=\"" t "\" style=\"" \
	    "width:" w "px;margin:0;padding:0;overflow:auto\">" }' \
	    "$m_widget" >"$page"
	chrome --window-size=1000,800 "$@" --dump-dom "file://$page" \
	    >"$dir/dom" || return 1
	res=$(sed -n 's/.*<pre id="result">\([^<]*\)<.*/\1/p' "$dir/dom")
	[ -n "$res" ]
}

checked=0
for spec in "nps 11" "csat 5" "ces 7"; do
for style in numbers stars icons gradient; do
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
	# What this style shows besides the number: CSAT's stars fill up
	# to the score, every icon is that of its type and score.
	fill=0 icons=0
	[ "$style-$type" = stars-csat ] && fill=$want
	[ "$style" = icons ] && icons=$want
	for width in 800 375 320 dark; do
		if [ "$width" = dark ]; then
			measure "$widget" 375 "$type" --force-dark-mode ||
			    { fail "$name in dark mode: no result"; continue; }
			[ "$(get dark)" = 1 ] ||
			    fail "$name: the page is not in dark mode: $res"
		else
			measure "$widget" "$width" "$type" ||
			    { fail "$name at $width px: no result"; continue; }
		fi
		if [ "$(get cells)" != "$want" ] || [ "$(get rows)" != 1 ] ||
		    [ "$(get right)" -gt "$(get limit)" ] ||
		    [ "$(get overflow)" != 0 ] || [ "$(get cellw)" -lt 20 ] ||
		    [ "$(get cellh)" -lt 44 ] ||
		    [ "$(get contrast100)" -lt 450 ] ||
		    [ "$(get textc100)" -lt 450 ] ||
		    [ "$(get named)" != "$want" ] || [ "$(get shown)" != 0 ] ||
		    [ "$(get digits)" != "$want" ] ||
		    [ "$(get fill)" != "$fill" ] ||
		    [ "$(get icons)" != "$icons" ]
		then
			fail "$name at $width: $res (want cells=$want" \
			    "rows=1, right <= limit, no overflow, cells >= 20" \
			    "px wide and >= 44 px tall, contrast >= 4.5 for" \
			    "cells and texts, named=$want, shown=0," \
			    "digits=$want, fill=$fill, icons=$icons)"
		else
			echo "ok: $name at $width: $res"
			checked=$((checked + 1))
		fi
	done
	chrome --window-size=600,400 --screenshot="$OUT/$name.png" \
	    "file://$widget" >/dev/null ||
	    fail "$name: no screenshot"
	[ "$lang" = en ] || continue
	# Forced dark: the page of 375 px without its color-scheme meta;
	# the cells are where the light pass measured them.
	measure "$widget" 375 "$type" || { fail "$name: no result"; continue; }
	rects=$(echo "$res" | sed 's/.*rects=\([0-9,;]*\).*/\1/')
	sed '/name="color-scheme"/d' "$page" >"$dir/forced.html"
	chrome --window-size=1000,800 --blink-settings=forceDarkModeEnabled=true \
	    --screenshot="$dir/forced.png" "file://$dir/forced.html" \
	    >/dev/null || { fail "$name: no forced-dark screenshot"; continue; }
	forced=$(python3 "$SRC/tests/tools/cell-contrast.py" "$dir/forced.png" \
	    "$rects") || { fail "$name: forced-dark screenshot unreadable"; continue; }
	if [ "$forced" -lt 450 ]; then
		fail "$name in forced dark: digits at $forced/100:1 (want >= 4.5)"
	else
		echo "ok: $name in forced dark: contrast100=$forced"
		checked=$((checked + 1))
	fi
done
done
done

# align = center: the widget (574 px wide at most) in the middle of a
# frame of 800 px; the default keeps it on the left.
for conf in centred npsgate; do
	widget="$dir/align-$conf.html"
	"$NPSGATE" render -c "$dir/$conf.conf" --lang en >"$widget" \
	    2>"$dir/err" ||
	    { fail "render $conf: $(cat "$dir/err")"; continue; }
	measure "$widget" 800 nps || { fail "$conf: no result"; continue; }
	if [ "$(get narrower)" != 1 ] || { [ $conf = centred ] &&
	    [ "$(get offcentre)" -gt 1 ]; } || { [ $conf = npsgate ] &&
	    [ "$(get offcentre)" -lt 100 ]; }; then
		fail "align with $conf.conf: $res"
	else
		echo "ok: align with $conf.conf: $res"
		checked=$((checked + 1))
	fi
done
chrome --window-size=800,400 --screenshot="$OUT/centred.png" \
    "file://$dir/align-centred.html" >/dev/null || fail "centred: no screenshot"
chrome --window-size=600,400 --force-dark-mode \
    --screenshot="$OUT/numbers-en-nps-dark.png" \
    "file://$dir/numbers-en-nps.html" >/dev/null || fail "dark: no screenshot"
echo "$checked layouts checked; screenshots in $OUT"
[ "$fails" -eq 0 ] || exit 1
exit 0
