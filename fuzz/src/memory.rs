//! A counting global allocator: how much memory one execution held at its peak, so an input
//! that makes a parser allocate far beyond its size is reported, and a cap on any single
//! allocation, so such an input is written out before the process aborts instead of taking
//! the machine's memory with it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Install with `#[global_allocator] static A: fuzz::memory::Counting = fuzz::memory::Counting;`.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// No single allocation may be larger (bytes).
static SINGLE_LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static IN_HOOK: AtomicBool = AtomicBool::new(false);

/// Where the input now running goes if it asks for too much at once, and its bytes.
static CURRENT: Mutex<Option<(PathBuf, Vec<u8>)>> = Mutex::new(None);

fn grew(size: usize) {
    let now = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn too_large(size: usize) -> bool {
    if size <= SINGLE_LIMIT.load(Ordering::Relaxed) {
        return false;
    }
    // Write the input out once; the allocations made while doing so are small.
    if !IN_HOOK.swap(true, Ordering::SeqCst) {
        if let Ok(current) = CURRENT.try_lock() {
            if let Some((path, input)) = current.as_ref() {
                if let Some(dir) = path.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                let _ = std::fs::write(path, input);
                eprintln!(
                    "motionboard-fuzz: an input asked for {size} bytes at once; it is written to {}",
                    path.display()
                );
            }
        }
        IN_HOOK.store(false, Ordering::SeqCst);
    }
    true
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if too_large(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if too_large(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if too_large(new_size) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

/// Refuses (and reports) any single allocation above `bytes` from now on.
pub fn limit_single_allocation(bytes: usize) {
    SINGLE_LIMIT.store(bytes, Ordering::Relaxed);
}

/// Starts measuring the peak afresh from what is held now.
pub fn reset_peak() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Bytes held now and the peak since [`reset_peak`] (both 0 unless [`Counting`] is the
/// global allocator).
pub fn live_and_peak() -> (usize, usize) {
    (LIVE.load(Ordering::Relaxed), PEAK.load(Ordering::Relaxed))
}

/// Names the input about to run, for the report of an allocation over the limit.
pub fn set_current(artifact: PathBuf, input: &[u8]) {
    if let Ok(mut current) = CURRENT.lock() {
        *current = Some((artifact, input.to_vec()));
    }
}
