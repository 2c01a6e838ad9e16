#!/usr/bin/env python3
"""Checks a `konasim plot` (or `konasim compare --plot`) SVG: well-formed XML with the
expected number of series and points (a line plot's circles, a bar chart's bars), and (with --screenshot PNG) that headless Chromium's rendering of it is not blank.

Usage: python3 scripts/check_svg.py PLOT.svg SERIES POINTS [--screenshot PNG]
Prints "svg check: N passed, M failed".
"""
import struct, sys, zlib
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def png_colors(path):
    """Distinct colours of an 8-bit RGB/RGBA non-interlaced PNG (enough for Chromium's screenshots)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            channels = {2: 3, 6: 4}[ctype]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    colors, prev, i = set(), bytearray(stride), 0
    while i < len(raw):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, channels * 7):
            colors.add(bytes(line[x:x + 3]))
        prev, i = line, i + 1 + stride
    return colors


def main():
    svg, series, points = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
        if not ok:
            print("FAILED:", what)

    root = ET.parse(svg).getroot()
    check(root.tag == NS + "svg", "root element is <svg>")
    groups = [g for g in root.iter(NS + "g") if g.get("class") == "series"]
    check(len(groups) == series, f"{len(groups)} series, expected {series}")
    circles = sum(len(g.findall(NS + "circle")) + len(g.findall(NS + "rect")) for g in groups)
    check(circles == points, f"{circles} points (or bars), expected {points}")
    check(any(t.text and "(log scale)" in t.text or t.text for t in root.iter(NS + "text")), "axis labels present")
    if "--screenshot" in sys.argv:
        colors = png_colors(sys.argv[sys.argv.index("--screenshot") + 1])
        check(len(colors) >= 4, f"the screenshot has {len(colors)} colours: blank")
    print(f"svg check: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
