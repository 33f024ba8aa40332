// SHA-256 block compression on the CPU's SHA extensions (x86-64 SHA-NI), for DedupCore's
// SHA256. Pure computation, no I/O. Where the extensions are missing, the Swift code does it.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SHA extensions (and SSE4.1) that newsdedup_sha256_blocks needs.
int newsdedup_sha256_hardware(void);

/// Compresses `blocks` whole 64-byte blocks at `data` into `state` (the eight words H0..H7),
/// with `k` the 64 round constants (the Swift side's table). Only to be called when
/// newsdedup_sha256_hardware() returned 1.
void newsdedup_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks, const uint32_t k[64]);
