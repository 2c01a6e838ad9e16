/*
 * sparse-heap: writes one 8-byte word in every 4 KiB page of a large heap, visiting the
 * pages in a random order, and does nothing else. It is the access pattern that page-based
 * disaggregated memory handles worst: every page is dirtied by 8 bytes, so write-back at 4 KiB
 * sends 512 times the modified bytes, while Kona's dirty lines send 8 times (one 64 B line).
 *
 * Written for KonaSim (not from a Debian package); `scripts/record-trace sparse` compiles it
 * with `gcc -O2 -static` and records it under Valgrind's Lackey. Usage:
 *
 *   sparse-heap [MIB [SEED]]      # heap of MIB MiB (a power of two, default 256), seed 1
 *
 * The heap comes from malloc, which maps it fresh from the kernel (it is far above glibc's
 * mmap threshold), so no page of it is read or written before the loop; it is aligned up to
 * a page, so each word falls in its own page. The page order is
 * a bijection of the loop counter on log2(pages) bits (multiplications by odd constants
 * and xor-shifts, each invertible modulo a power of two), so every page is written exactly
 * once; the word within the page comes from a xorshift64 generator. Both live in
 * registers, so the loop's only data access is the store. The store is volatile so that
 * the compiler keeps it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 256;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    if (mib == 0 || (mib & (mib - 1)) != 0) {
        fprintf(stderr, "sparse-heap: the heap must be a power of two MiB, not %llu\n", (unsigned long long)mib);
        return 2;
    }
    uint64_t pages = mib << 8, mask = pages - 1;
    unsigned bits = 0;
    while ((1ull << bits) < pages) bits++;
    char *raw = malloc((pages + 1) << 12);                /* one page more, to align */
    if (raw == NULL) {
        fprintf(stderr, "sparse-heap: cannot allocate %llu MiB\n", (unsigned long long)mib);
        return 1;
    }
    char *heap = (char *)(((uintptr_t)raw + 4095) & ~(uintptr_t)4095);
    uint64_t x = seed * 0x9E3779B97F4A7C15ull | 1;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t p = (i + seed) & mask;                   /* a bijection on `bits` bits */
        p = (p * 0xD6E8FEB86659FD93ull) & mask;
        p ^= p >> (bits / 2 + 1);
        p = (p * 0x9E3779B97F4A7C15ull) & mask;
        p ^= p >> (bits / 2 + 1);
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;          /* xorshift64: the word in the page */
        *(volatile uint64_t *)(heap + (p << 12) + ((x & 511) << 3)) = i + 1;
    }
    printf("sparse-heap: wrote one word in each of %llu pages (%llu MiB) at %p\n",
           (unsigned long long)pages, (unsigned long long)mib, (void *)heap);
    return 0;
}
