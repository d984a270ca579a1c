//! Giving freed memory back to the system after a long job.
//!
//! An export or a generation allocates hundreds of megabytes of frames on many threads (the
//! render's rayon workers, the encoder, the job's own thread). When the job ends they are
//! freed, but glibc's allocator keeps freed pages in each thread's arena for reuse, so the
//! app's resident memory stays at the job's peak for as long as it runs. [`release_freed`]
//! asks the allocator to return what it holds unused; it frees nothing that is still in use.

/// Returns the allocator's free pages to the system (glibc's `malloc_trim` over every arena).
/// Call it once a job's buffers are dropped. Elsewhere than glibc it does nothing: other
/// allocators return memory on their own.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::os::raw::c_int;
        }
        // SAFETY: malloc_trim only walks glibc's own free lists (it takes each arena's lock);
        // it is safe to call from any thread at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// This process's resident memory in bytes (Linux: `VmRSS` of /proc/self/status), or `None`
/// where it cannot be read.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
