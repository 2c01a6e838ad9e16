#!/usr/bin/env python3
"""Cross-check KonaSim's L1D/L2 hit, miss and writeback counts against pycachesim.

Usage:
    python3 scripts/pycachesim_crosscheck.py --konasim .build/debug/konasim --workdir DIR
    python3 scripts/pycachesim_crosscheck.py --pycachesim-only      # pycachesim side only

Three cases, each a Valgrind Lackey trace that both simulators read:

  uniform     written by this script: 200,000 accesses of 8 bytes, 8-byte aligned,
              uniform over 8 MiB, 30% stores. Drawn from random.Random(7); per access,
              first ``rng.random() < 0.3`` decides store vs load, then
              ``rng.randrange(1 << 20) * 8`` is the address.
  sequential  written by this script: 200,000 8-byte loads at 8*i.
  gzip        the recorded fixture Tests/Fixtures/lackey/gzip.lackey (see its README).

KonaSim runs each trace as
    KONASIM run hwconfigs/crosscheck.yaml --trace FILE --stats-json OUT.json --quiet
(crosscheck.yaml: L1D 32 KiB 8-way, L2 256 KiB 8-way, 64 B lines, LRU, write-back,
write-allocate). pycachesim (module ``cachesim``) simulates the same hierarchy, driven
the way KonaSim's core drives its L1D:

  * ``I`` and ``==`` lines are skipped; `` L a,s`` is a load, `` S a,s`` a store and
    `` M a,s`` a load followed by a store of the same bytes.
  * Every access is split at 64-byte line boundaries, in address order (all pieces of an
    M's load come before the pieces of its store).
  * A load piece is one L1 load call. A store piece is an L1 load call followed by an L1
    store call: KonaSim refreshes LRU on a store hit and counts it as an access, while
    pycachesim's store neither counts a hit nor touches LRU. The load does both; the
    store that follows always hits and only marks the line dirty.

pycachesim 0.3.1's ``Cache.load``/``Cache.store`` parse the address with the C format
"I" (32-bit) into a 64-bit field, so addresses at or above 4 GiB (e.g. the 0x1ffe...
stack addresses of real Lackey traces) are truncated and the upper half is garbage.
``iterload``/``iterstore`` read the address with PyLong_AsLong and are otherwise the same
code path, so this script calls ``l1.iterload((addr,), length=n)`` (and ``iterstore``),
one call per line piece.

Mapping of the counts (pycachesim's stats(): LOAD/STORE/HIT/MISS/EVICT_count):

  cpu0.l1d.accesses            == L1 LOAD_count
  cpu0.l1d.hits                == L1 HIT_count
  cpu0.l1d.misses              == L1 MISS_count
  cpu0.l1d.writebacks          == L1 EVICT_count          (dirty evictions)
  cpu0.l2.hits                 == L2 HIT_count            (writeback hits count no HIT)
  cpu0.l2.misses + cpu0.l2.writeback_allocations == L2 MISS_count
                                  (a writeback that misses is a write-allocate load)
  cpu0.l2.writebacks           == L2 EVICT_count
  cpu0.l2.accesses             == cpu0.l2.hits + cpu0.l2.misses (KonaSim-internal)
and, because every L1 miss is exactly one L2 load in pycachesim, the split of L2's
loads into demand reads and writeback allocations is also determined:
  cpu0.l2.accesses             == L1 MISS_count                           (derived)
  cpu0.l2.writeback_allocations == L2 LOAD_count - L1 MISS_count          (derived)
  cpu0.l2.misses               == L2 MISS_count - writeback allocations   (derived)
  cpu0.l2.writeback_hits       == L2 STORE_count - writeback allocations  (derived)
The core's access/load/store counts and the trace's instruction count are compared with
what this script's own parser saw. Neither simulator flushes dirty lines at the end.

Prints a table per case and a final ``crosscheck: N passed, M failed`` line; exits 1 if
any count differs (or KonaSim fails to run), 0 otherwise.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

try:
    from cachesim import Cache, CacheSimulator, MainMemory
except ImportError:  # pragma: no cover - environment problem
    sys.exit("pycachesim is not installed (pip install pycachesim); it provides the 'cachesim' module")

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'hwconfigs', 'crosscheck.yaml')
FIXTURE = os.path.join(REPO_ROOT, 'Tests', 'Fixtures', 'lackey', 'gzip.lackey')

LINE = 64
ACCESSES = 200_000
FOOTPRINT = 8 << 20
STORE_FRACTION = 0.3
SEED = 7


# ---------------------------------------------------------------------------- traces

def write_uniform_trace(path):
    """The uniform-random case: 8-byte accesses over 8 MiB, 30% stores, Random(7)."""
    rng = random.Random(SEED)
    slots = FOOTPRINT // 8
    out = ['==0== scripts/pycachesim_crosscheck.py: uniform, %d accesses of 8 B over 8 MiB, '
           '30%% stores, random.Random(%d)\n' % (ACCESSES, SEED)]
    for _ in range(ACCESSES):
        is_store = rng.random() < STORE_FRACTION
        addr = rng.randrange(slots) * 8
        out.append(' %s %08x,8\n' % ('S' if is_store else 'L', addr))
    with open(path, 'w') as f:
        f.writelines(out)


def write_sequential_trace(path):
    """The sequential case: 8-byte loads at 8*i."""
    out = ['==0== scripts/pycachesim_crosscheck.py: sequential, %d loads of 8 B at 8*i\n' % ACCESSES]
    out.extend(' L %08x,8\n' % (8 * i) for i in range(ACCESSES))
    with open(path, 'w') as f:
        f.writelines(out)


def split(addr, size):
    """Pieces (addr, length) of [addr, addr+size) that each stay within one 64-byte line."""
    pieces = []
    end = addr + size
    while addr < end:
        n = min(LINE - (addr & (LINE - 1)), end - addr)
        pieces.append((addr, n))
        addr += n
    return pieces


def read_trace(path):
    """Parses a Lackey trace the way KonaSim does.

    Returns (pieces, instructions, records): pieces is a list of (is_store, addr, length)
    line accesses in program order.
    """
    pieces = []
    instructions = records = 0
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if line.startswith('=='):
                continue
            if line.startswith('I '):
                instructions += 1
                continue
            if len(line) < 4 or line[0] != ' ' or line[2] != ' ' or line[1] not in 'LSM':
                raise ValueError('%s:%d: not a Lackey record: %r' % (path, number, line[:60]))
            addr_text, _, size_text = line[3:].strip().partition(',')
            addr, size = int(addr_text, 16), int(size_text, 10)
            if not 1 <= size <= 4096:
                raise ValueError('%s:%d: access size %d outside 1...4096 bytes' % (path, number, size))
            records += 1
            kind = line[1]
            if kind in 'LM':
                pieces.extend((False, a, n) for a, n in split(addr, size))
            if kind in 'SM':
                pieces.extend((True, a, n) for a, n in split(addr, size))
    return pieces, instructions, records


# ---------------------------------------------------------------------------- pycachesim

def pycachesim_counts(pieces):
    """Runs the pieces through pycachesim; returns its raw stats and KonaSim-named counts."""
    mem = MainMemory()
    l2 = Cache("L2", 512, 8, 64, "LRU", write_back=True, write_allocate=True)
    mem.load_to(l2)
    mem.store_from(l2)
    l1 = Cache("L1", 64, 8, 64, "LRU", write_back=True, write_allocate=True,
               store_to=l2, load_from=l2)
    cs = CacheSimulator(l1, mem)
    # Cache.load/.store truncate addresses to 32 bits (see the module docstring).
    load, store = cs.first_level.backend.iterload, cs.first_level.backend.iterstore
    for is_store, addr, n in pieces:
        load((addr,), length=n)
        if is_store:
            store((addr,), length=n)
    s1, s2 = l1.stats(), l2.stats()
    wb_alloc = s2['LOAD_count'] - s1['MISS_count']
    mapped = {
        'cpu0.accesses': len(pieces),
        'cpu0.stores': sum(1 for p in pieces if p[0]),
        'cpu0.l1d.accesses': s1['LOAD_count'],
        'cpu0.l1d.hits': s1['HIT_count'],
        'cpu0.l1d.misses': s1['MISS_count'],
        'cpu0.l1d.writebacks': s1['EVICT_count'],
        'cpu0.l2.hits': s2['HIT_count'],
        'l2.misses+l2.writeback_allocations': s2['MISS_count'],
        'cpu0.l2.writebacks': s2['EVICT_count'],
        'cpu0.l2.accesses': s1['MISS_count'],
        'cpu0.l2.misses': s2['MISS_count'] - wb_alloc,
        'cpu0.l2.writeback_allocations': wb_alloc,
        'cpu0.l2.writeback_hits': s2['STORE_count'] - wb_alloc,
    }
    mapped['cpu0.loads'] = mapped['cpu0.accesses'] - mapped['cpu0.stores']
    return {'L1': s1, 'L2': s2}, mapped


# Rows of the comparison table: (KonaSim side, pycachesim side, derived?).
ROWS = [
    ('cpu0.instructions', 'trace I records', False),
    ('cpu0.accesses', 'line pieces', False),
    ('cpu0.loads', 'load pieces', False),
    ('cpu0.stores', 'store pieces', False),
    ('cpu0.l1d.accesses', 'L1 LOAD_count', False),
    ('cpu0.l1d.hits', 'L1 HIT_count', False),
    ('cpu0.l1d.misses', 'L1 MISS_count', False),
    ('cpu0.l1d.writebacks', 'L1 EVICT_count', False),
    ('cpu0.l2.hits', 'L2 HIT_count', False),
    ('l2.misses+l2.writeback_allocations', 'L2 MISS_count', False),
    ('cpu0.l2.writebacks', 'L2 EVICT_count', False),
    ('cpu0.l2.accesses', 'L1 MISS_count', True),
    ('cpu0.l2.misses', 'L2 MISS - wb_alloc', True),
    ('cpu0.l2.writeback_allocations', 'L2 LOAD - L1 MISS', True),
    ('cpu0.l2.writeback_hits', 'L2 STORE - wb_alloc', True),
]

KONASIM_KEYS = ['cpu0.instructions', 'cpu0.accesses', 'cpu0.loads', 'cpu0.stores',
                'cpu0.l1d.accesses', 'cpu0.l1d.hits', 'cpu0.l1d.misses', 'cpu0.l1d.writebacks',
                'cpu0.l2.accesses', 'cpu0.l2.hits', 'cpu0.l2.misses', 'cpu0.l2.writebacks',
                'cpu0.l2.writeback_hits', 'cpu0.l2.writeback_allocations']


# ---------------------------------------------------------------------------- KonaSim

def run_konasim(konasim, trace, out_json):
    """Runs KonaSim on `trace`; returns (stats dict or None, error text)."""
    cmd = [konasim, 'run', os.path.normpath(CONFIG), '--trace', os.path.abspath(trace),
           '--stats-json', out_json, '--quiet']
    if os.path.exists(out_json):
        os.remove(out_json)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, '%s: %s' % (' '.join(cmd), error)
    if proc.returncode != 0:
        return None, '%s\nexit %d\n%s%s' % (' '.join(cmd), proc.returncode, proc.stdout, proc.stderr)
    try:
        with open(out_json) as f:
            stats = json.load(f)
    except (OSError, ValueError) as error:
        return None, 'cannot read %s: %s' % (out_json, error)
    missing = [k for k in KONASIM_KEYS if k not in stats]
    if missing:
        return None, '%s lacks %s' % (out_json, ', '.join(missing))
    return stats, ''


def konasim_mapped(stats):
    """KonaSim's counts under the row names of ROWS."""
    m = {k: int(stats[k]) for k in KONASIM_KEYS}
    m['l2.misses+l2.writeback_allocations'] = m['cpu0.l2.misses'] + m['cpu0.l2.writeback_allocations']
    return m


# ---------------------------------------------------------------------------- main

def print_table(name, description, ours, theirs, extra_checks):
    """Prints one case; returns True if every row agrees."""
    print('\n== %s: %s' % (name, description))
    if theirs is None:
        print('  %-36s %-20s %12s' % ('KonaSim-named count', 'pycachesim', 'value'))
        for k, label, derived in ROWS:
            print('  %-36s %-20s %12d' % (k, label + (' *' if derived else ''), ours[k]))
        return True
    ok = True
    print('  %-36s %12s   %-22s %12s  %s' % ('KonaSim', 'value', 'pycachesim', 'value', ''))
    for k, label, derived in ROWS:
        a, b = theirs[k], ours[k]
        status = 'ok' if a == b else 'DIFF %+d' % (a - b)
        ok &= a == b
        print('  %-36s %12d   %-22s %12d  %s' % (k, a, label + (' *' if derived else ''), b, status))
    for text, good in extra_checks:
        ok &= good
        print('  %-73s %s' % (text, 'ok' if good else 'FAILED'))
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--konasim', help='path to the konasim binary (e.g. .build/debug/konasim)')
    parser.add_argument('--workdir', help='directory for the generated traces and stats JSON '
                        '(default: a new temporary directory)')
    parser.add_argument('--fixture', default=FIXTURE, help='real Lackey trace for the third case '
                        '(default: Tests/Fixtures/lackey/gzip.lackey)')
    parser.add_argument('--pycachesim-only', action='store_true',
                        help="print pycachesim's KonaSim-named counts for the three cases; do not run KonaSim")
    args = parser.parse_args()
    if not args.pycachesim_only and not args.konasim:
        parser.error('--konasim is required (or use --pycachesim-only)')
    if args.konasim and not args.pycachesim_only:
        if not os.access(args.konasim, os.X_OK):
            parser.error('not an executable: %s' % args.konasim)
        if not os.path.isfile(CONFIG):
            parser.error('missing config %s' % os.path.normpath(CONFIG))
    workdir = args.workdir or tempfile.mkdtemp(prefix='konasim-crosscheck-')
    os.makedirs(workdir, exist_ok=True)

    uniform = os.path.join(workdir, 'uniform.lackey')
    sequential = os.path.join(workdir, 'sequential.lackey')
    write_uniform_trace(uniform)
    write_sequential_trace(sequential)
    cases = [
        ('uniform', uniform, '200,000 x 8 B uniform over 8 MiB, 30% stores, Random(7)'),
        ('sequential', sequential, '200,000 x 8 B loads at 8*i'),
        ('gzip', args.fixture, os.path.relpath(os.path.abspath(args.fixture), REPO_ROOT)),
    ]

    passed = failed = 0
    for name, trace, description in cases:
        started = time.time()
        pieces, instructions, records = read_trace(trace)
        raw, ours = pycachesim_counts(pieces)
        ours['cpu0.instructions'] = instructions
        description += ' (%d records, %d line accesses; trace %s)' % (records, len(pieces), trace)
        if args.pycachesim_only:
            print_table(name, description, ours, None, [])
            print('  raw L1: %s' % {k: v for k, v in raw['L1'].items() if k.endswith('_count')})
            print('  raw L2: %s' % {k: v for k, v in raw['L2'].items() if k.endswith('_count')})
            print('  (* derived; %.1f s)' % (time.time() - started))
            passed += 1
            continue
        stats, error = run_konasim(args.konasim, trace, os.path.join(workdir, name + '.stats.json'))
        if stats is None:
            print('\n== %s: %s\n  KonaSim failed: %s' % (name, description, error))
            failed += 1
            continue
        theirs = konasim_mapped(stats)
        extra = [('KonaSim cpu0.l2.accesses == cpu0.l2.hits + cpu0.l2.misses',
                  theirs['cpu0.l2.accesses'] == theirs['cpu0.l2.hits'] + theirs['cpu0.l2.misses'])]
        if print_table(name, description, ours, theirs, extra):
            passed += 1
        else:
            failed += 1
        print('  (* derived from pycachesim counts; %.1f s)' % (time.time() - started))

    print('\ncrosscheck: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
