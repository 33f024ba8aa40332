// Linux calls that Swift's Glibc module does not expose (they need _GNU_SOURCE).
#pragma once

/// renameat2(..., RENAME_NOREPLACE): fails with EEXIST instead of silently replacing a file,
/// so a claim or a move can never destroy an article that already sits at the destination.
int newsdedup_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
