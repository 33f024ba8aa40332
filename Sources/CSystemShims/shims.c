#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include "CSystemShims.h"

int newsdedup_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    return renameat2(olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
}

#include <malloc.h>

int newsdedup_malloc_thresholds(int trim, int mmap) {
    return mallopt(M_TRIM_THRESHOLD, trim) && mallopt(M_MMAP_THRESHOLD, mmap);
}
