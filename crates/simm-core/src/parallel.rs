//! The core's only concurrency: data parallelism on scoped threads, as many
//! as the caller asks for. Every thread sees borrowed data and returns its
//! part; nothing outlives the call, so the core stays free of shared state.

use std::ops::Range;

/// Runs `run` over `threads` contiguous parts of `0..len` on scoped
/// threads and returns the parts' results in order; with one thread it
/// runs on the calling thread. Trailing parts may be empty.
pub(crate) fn in_parallel<T: Send>(
    len: usize,
    threads: usize,
    run: impl Fn(Range<usize>) -> T + Sync,
) -> Vec<T> {
    let threads = threads.clamp(1, len.max(1));
    if threads == 1 {
        return vec![run(0..len)];
    }
    let chunk = len.div_ceil(threads);
    on_threads(
        (0..threads).map(|t| (t * chunk).min(len)..((t + 1) * chunk).min(len)),
        run,
    )
}

/// Runs `run` on each part on a scoped thread of its own and returns the
/// results in the parts' order; a single part runs on the calling thread.
/// A part may carry mutable slices, so that each thread fills its own
/// chunk of an output in place.
pub(crate) fn on_threads<P: Send, T: Send>(
    parts: impl IntoIterator<Item = P>,
    run: impl Fn(P) -> T + Sync,
) -> Vec<T> {
    let mut parts: Vec<P> = parts.into_iter().collect();
    if parts.len() == 1 {
        return parts.pop().into_iter().map(run).collect();
    }
    let run = &run;
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || run(part)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a worker thread panicked"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_range_in_order() {
        // Ranges as (start, end) pairs: a list of one range reads as a
        // range of numbers to clippy.
        let check = |(len, threads): (usize, usize), expected: &[(usize, usize)]| {
            let parts = in_parallel(len, threads, |range| (range.start, range.end));
            assert_eq!(parts, expected);
        };
        check((0, 4), &[(0, 0)]);
        check((10, 1), &[(0, 10)]);
        check((10, 4), &[(0, 3), (3, 6), (6, 9), (9, 10)]);
        check((9, 4), &[(0, 3), (3, 6), (6, 9), (9, 9)]);
        check((3, 8), &[(0, 1), (1, 2), (2, 3)]);
    }

    #[test]
    fn each_thread_fills_its_own_chunk() {
        let mut out = vec![0usize; 10];
        let sums = on_threads(out.chunks_mut(4).enumerate(), |(part, chunk)| {
            chunk.fill(part + 1);
            chunk.len()
        });
        assert_eq!(sums, [4, 4, 2]);
        assert_eq!(out, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3]);
    }
}
