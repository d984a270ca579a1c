//! Freed memory leaves the process when a job ends (`studio::heap::release_freed`). Its own
//! test binary, so no other test's allocations are counted in the resident memory it reads.

use studio::heap::{release_freed, resident_bytes};

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
    // How much glibc keeps by itself varies (its trim threshold moves with what was mapped
    // before): in the lib test binary, among other tests, it kept the whole job; alone, most
    // of it went back on its own. Trimmed, nothing of the job may stay either way.
    assert!(
        held > before + (40 << 20),
        "the job held its frames ({:.0} -> {:.0} MiB)",
        mib(before),
        mib(held)
    );
    assert!(
        after < before + ((held - before) / 2).min(32 << 20),
        "trimming gives the job's memory back ({:.0} MiB held, {:.0} MiB after)",
        mib(held),
        mib(after)
    );
}
