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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn memory_freed_by_a_job_leaves_the_process() {
        // Frames in blocks from several threads, as a render's workers allocate them, and one
        // small block each thread keeps past the job (a result, a cached key): it sits above
        // the freed frames in the thread's arena, so the allocator cannot shrink the arena on
        // its own and the freed frames stay resident until trimmed.
        let before = resident_bytes().expect("VmRSS is readable on Linux");
        let survivors: Vec<Vec<u8>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|t| {
                    s.spawn(move || {
                        let frames: Vec<Vec<u8>> =
                            (0..1500).map(|i| vec![(i + t) as u8; 60_000]).collect();
                        let survivor = vec![t as u8; 64];
                        std::hint::black_box(&frames);
                        survivor
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("the worker finishes"))
                .collect()
        });
        let held = resident_bytes().unwrap();
        release_freed();
        let after = resident_bytes().unwrap();
        let mib = |b: u64| b as f64 / (1 << 20) as f64;
        eprintln!(
            "resident: before {:.0} MiB, after the job {:.0} MiB, trimmed {:.0} MiB",
            mib(before),
            mib(held),
            mib(after)
        );
        std::hint::black_box(&survivors);
        assert!(
            held > before + (200 << 20),
            "the job's freed blocks stay resident until trimmed ({:.0} -> {:.0} MiB)",
            mib(before),
            mib(held)
        );
        assert!(
            after < before + (100 << 20),
            "trimming gives the job's memory back ({:.0} MiB held, {:.0} MiB after)",
            mib(held),
            mib(after)
        );
    }
}
