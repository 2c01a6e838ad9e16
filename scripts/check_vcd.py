#!/usr/bin/env python3
"""Checks a KonaSim VCD with an independent reader (PyPI pywellen).

Usage: python3 scripts/check_vcd.py FILE.vcd SIGNALS.txt

SIGNALS.txt is the output of `konasim signals` for the config that made the file (one
`path  kind` per line). The check passes when pywellen reads the file, its variables are
exactly those signals, every scope on their paths exists, and for every signal pywellen
reports as many value changes (initial value included) as the file's own text holds.
Prints "vcd check: N passed, M failed".
"""
import sys
import pywellen


def text_changes(path):
    """Counts value lines per identifier code after $enddefinitions, and maps names to codes."""
    counts, codes, scope = {}, {}, []
    in_body = False
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not in_body:
                words = line.split()
                if words[:2] == ["$scope", "module"]:
                    scope.append(words[2])
                elif words[:1] == ["$upscope"]:
                    scope.pop()
                elif words[:1] == ["$var"]:
                    codes[".".join(scope + [words[4]])] = words[3]
                elif line.startswith("$enddefinitions"):
                    in_body = True
                continue
            if not line or line[0] in "#$":
                continue
            code = line.split()[-1] if line[0] in "bsr" else line[1:]
            counts[code] = counts.get(code, 0) + 1
    return codes, counts


def main():
    vcd, listing = sys.argv[1], sys.argv[2]
    expected = [l.split()[0] for l in open(listing) if l.strip()]
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAILED:", what)

    wave = pywellen.Waveform(vcd)
    variables = {v.full_name: v for v in wave.all_vars()}
    check(sorted(variables) == sorted(expected), f"variables {sorted(variables)} != signals {sorted(expected)}")
    scopes = {s.full_name for s in wave.all_scopes()}
    wanted = {".".join(p.split(".")[:i]) for p in expected for i in range(1, p.count(".") + 1)}
    check(wanted <= scopes, f"missing scopes {sorted(wanted - scopes)}")
    codes, counts = text_changes(vcd)
    changes = []
    wave.stream_changes(lambda t, sig, value: changes.append(t), list(variables.values()))
    total_text = sum(counts.get(codes[n], 0) for n in variables)
    check(len(changes) == total_text, f"pywellen saw {len(changes)} value changes, the file holds {total_text}")
    for name in variables:
        # A fresh reader per signal: a stream is consumed once.
        fresh = pywellen.Waveform(vcd)
        var = next(v for v in fresh.all_vars() if v.full_name == name)
        one = []
        fresh.stream_changes(lambda t, sig, value: one.append(t), [var])
        check(len(one) == counts.get(codes[name], 0), f"{name}: pywellen {len(one)} changes, file {counts.get(codes[name], 0)}")
    print(f"vcd check: {passed} passed, {failed} failed ({len(variables)} signals, {len(changes)} value changes)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
