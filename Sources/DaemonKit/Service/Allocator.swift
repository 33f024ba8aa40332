import CSystemShims

extension Daemon {
    /// Keeps glibc from handing freed memory back to the kernel after every batch. By default
    /// an arena whose free top passes 128 KB is trimmed with madvise, and each trim interrupts
    /// the other cores to flush their TLBs: with several lanes allocating and freeing article
    /// buffers that cost 10-15 % of `--once`'s CPU. 64 MB of slack per arena is small beside
    /// the near-duplicate index; blocks over 32 MB (index rebuilds) still go straight back.
    public static func tuneAllocator() {
        _ = newsdedup_malloc_thresholds(64 << 20, 32 << 20)
    }
}
