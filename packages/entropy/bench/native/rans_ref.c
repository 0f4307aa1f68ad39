/*
 * Native calibration for the coder benchmark: a plain byte-wise 32-bit rANS in C
 * (the classic ryg_rans "rans_byte" scheme: state in [2^23, 2^31), division on encode;
 * on decode the same bucketed lookup as the TypeScript coders: 2^12 buckets per table,
 * then a short linear scan), written for ncomp.
 *
 * It reads a workload dumped by coders.bench.ts (tables + values + indexes) and prints
 * encode / decode Msym/s (median of 5 after a warm-up) as JSON, so that the TypeScript
 * coders can be compared with native code compiled on the same machine.
 *
 * Build: cc -O2 -o rans_ref rans_ref.c   Usage: rans_ref <workload.bin>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOWER (1u << 23)

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 2;
  int32_t head[3]; /* precision, table count, total cdf entries */
  if (fread(head, 4, 3, f) != 3) return 3;
  int precision = head[0], count = head[1], total = head[2];
  int32_t *starts = malloc(4 * count), *lengths = malloc(4 * count), *offsets = malloc(4 * count);
  int32_t *cdf = malloc(4 * total);
  if (fread(starts, 4, count, f) != (size_t)count || fread(lengths, 4, count, f) != (size_t)count ||
      fread(offsets, 4, count, f) != (size_t)count || fread(cdf, 4, total, f) != (size_t)total) return 3;
  int32_t n;
  if (fread(&n, 4, 1, f) != 1) return 3;
  int32_t *values = malloc(4 * (size_t)n), *indexes = malloc(4 * (size_t)n), *decoded = malloc(4 * (size_t)n);
  if (fread(values, 4, n, f) != (size_t)n || fread(indexes, 4, n, f) != (size_t)n) return 3;
  fclose(f);
  /* Symbols only (escapes are rare; the reference treats them as the escape symbol). */
  int32_t *sym = malloc(4 * (size_t)n);
  for (int32_t i = 0; i < n; i++) {
    int32_t e = lengths[indexes[i]] - 2, r = values[i] - offsets[indexes[i]];
    sym[i] = (r >= 0 && r < e) ? r : e;
  }
  /* Decode lookup: 2^12 buckets per table, each the symbol covering the bucket's first slot. */
  int bbits = precision < 12 ? precision : 12, bshift = precision - bbits;
  uint16_t *lut = malloc(2 * ((size_t)count << bbits));
  for (int t = 0; t < count; t++) {
    int s = 0;
    for (int b = 0; b < (1 << bbits); b++) {
      while (s < lengths[t] - 2 && cdf[starts[t] + s + 1] <= (b << bshift)) s++;
      lut[((size_t)t << bbits) + b] = s;
    }
  }
  size_t cap = 4 * (size_t)n + 16;
  uint8_t *buf = malloc(cap);
  double enc[6], dec[6];
  size_t bytes = 0;
  for (int run = 0; run < 6; run++) {
    double t0 = now_ms();
    uint8_t *ptr = buf + cap;
    uint32_t x = LOWER;
    for (int32_t i = n - 1; i >= 0; i--) {
      const int32_t *c = cdf + starts[indexes[i]];
      uint32_t start = c[sym[i]], freq = c[sym[i] + 1] - start;
      uint32_t xmax = ((LOWER >> precision) << 8) * freq;
      while (x >= xmax) { *--ptr = (uint8_t)x; x >>= 8; }
      x = ((x / freq) << precision) + (x % freq) + start;
    }
    ptr -= 4; ptr[0] = x >> 24; ptr[1] = x >> 16; ptr[2] = x >> 8; ptr[3] = x;
    enc[run] = now_ms() - t0;
    bytes = buf + cap - ptr;
    t0 = now_ms();
    uint8_t *p = ptr + 4;
    x = ((uint32_t)ptr[0] << 24) | (ptr[1] << 16) | (ptr[2] << 8) | ptr[3];
    uint32_t mask = (1u << precision) - 1;
    for (int32_t i = 0; i < n; i++) {
      int t = indexes[i];
      const int32_t *c = cdf + starts[t];
      uint32_t slot = x & mask;
      int s = lut[((size_t)t << bbits) + (slot >> bshift)];
      while (s < lengths[t] - 2 && (uint32_t)c[s + 1] <= slot) s++;
      x = (c[s + 1] - c[s]) * (x >> precision) + slot - c[s];
      while (x < LOWER) x = (x << 8) | *p++;
      decoded[i] = s;
    }
    dec[run] = now_ms() - t0;
    if (memcmp(decoded, sym, 4 * (size_t)n) != 0) { fprintf(stderr, "native rANS round trip failed\n"); return 4; }
  }
  qsort(enc + 1, 5, sizeof(double), cmp);
  qsort(dec + 1, 5, sizeof(double), cmp);
  printf("{\"bytes\":%zu,\"encodeMsps\":%.2f,\"decodeMsps\":%.2f}\n", bytes, n / enc[3] / 1e3, n / dec[3] / 1e3);
  return 0;
}
