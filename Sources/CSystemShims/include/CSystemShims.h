// Linux calls that Swift's Glibc module does not expose (they need _GNU_SOURCE).
#pragma once

/// renameat2(..., RENAME_NOREPLACE): fails with EEXIST instead of silently replacing a file,
/// so a claim or a move can never destroy an article that already sits at the destination.
int newsdedup_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

/// mallopt(M_TRIM_THRESHOLD / M_MMAP_THRESHOLD): <malloc.h> is not in Swift's Glibc module.
/// Returns 1 on success, 0 on failure, as mallopt does.
int newsdedup_malloc_thresholds(int trim, int mmap);
