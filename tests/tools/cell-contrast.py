#!/usr/bin/env python3
"""cell-contrast.py - the contrast of each score cell as a screenshot shows it.

Usage: cell-contrast.py SHOT.png RECTS

RECTS is "x,y,w,h;..." (CSS pixels of a page drawn at scale 1). For each
cell, the background is the colour most of its pixels have and the text
the pixel that contrasts most with it (the core of a bold digit is drawn
in its full colour); prints the lowest WCAG 2 contrast ratio of all cells
times 100, rounded down. What the browser paints is what is measured, so
this sees colours that a forced dark mode changed after the styles were
computed. Reads 8-bit RGB or RGBA PNG, not interlaced (what Chromium
writes). Exit 0, or 2 on a PNG it cannot read.
"""
import struct
import sys
import zlib
from collections import Counter


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
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
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def lum(rgb):
    v = []
    for x in rgb:
        x /= 255
        v.append(x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4)
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]


def ratio(a, b):
    la, lb = lum(a), lum(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def main():
    try:
        w, h, bpp, rows = read_png(sys.argv[1])
    except (OSError, ValueError, zlib.error, TypeError) as e:
        print(f"cell-contrast: {sys.argv[1]}: {e}", file=sys.stderr)
        return 2
    worst = 99.0
    for rect in filter(None, sys.argv[2].split(";")):
        x, y, cw, ch = (int(float(v)) for v in rect.split(","))
        px = []
        # inset: the border and the rounded corners are not the cell
        for yy in range(max(y + 3, 0), min(y + ch - 3, h)):
            row = rows[yy]
            for xx in range(max(x + 3, 0), min(x + cw - 3, w)):
                px.append(tuple(row[xx * bpp:xx * bpp + 3]))
        if not px:
            continue
        bg = Counter(px).most_common(1)[0][0]
        worst = min(worst, max(ratio(bg, p) for p in set(px)))
    print(int(worst * 100))
    return 0


sys.exit(main())
