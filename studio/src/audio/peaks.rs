//! Waveform peaks: the smallest and largest sample in each of N equal slices of a clip,
//! both channels together, which is what a timeline lane draws as a waveform.

use serde::Serialize;

use super::Pcm;

/// The range of the samples in one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Peak {
    pub min: f32,
    pub max: f32,
}

/// `buckets` peaks covering the frames `range` of `pcm` (clamped to the clip). Bucket i
/// covers frames `[start + i * len / buckets, start + (i + 1) * len / buckets)`; a bucket
/// that holds no frame (more buckets than frames) takes the sample under it, so the
/// waveform still draws when zoomed in past one frame per bucket.
pub fn peaks_in(pcm: &Pcm, range: std::ops::Range<usize>, buckets: usize) -> Vec<Peak> {
    let frames = pcm.frames();
    let start = range.start.min(frames);
    let end = range.end.clamp(start, frames);
    let len = end - start;
    if buckets == 0 {
        return Vec::new();
    }
    if len == 0 {
        return vec![Peak { min: 0.0, max: 0.0 }; buckets];
    }
    (0..buckets)
        .map(|i| {
            let a = start + (i as u128 * len as u128 / buckets as u128) as usize;
            let b = start + ((i + 1) as u128 * len as u128 / buckets as u128) as usize;
            let b = b.max(a + 1).min(end);
            let a = a.min(b - 1);
            let mut p = Peak {
                min: f32::INFINITY,
                max: f32::NEG_INFINITY,
            };
            for plane in [&pcm.left, &pcm.right] {
                for &v in &plane[a..b] {
                    p.min = p.min.min(v);
                    p.max = p.max.max(v);
                }
            }
            p
        })
        .collect()
}

/// `buckets` peaks over the whole clip.
pub fn peaks(pcm: &Pcm, buckets: usize) -> Vec<Peak> {
    peaks_in(pcm, 0..pcm.frames(), buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bucket_holds_its_extremes() {
        let mut pcm = Pcm::silence(1000);
        pcm.left[10] = 0.8;
        pcm.right[20] = -0.6;
        pcm.left[999] = 0.3;
        let p = peaks(&pcm, 10);
        assert_eq!(p.len(), 10);
        assert_eq!(
            p[0],
            Peak {
                min: -0.6,
                max: 0.8
            }
        );
        assert_eq!(p[5], Peak { min: 0.0, max: 0.0 });
        assert_eq!(p[9], Peak { min: 0.0, max: 0.3 });
    }

    #[test]
    fn buckets_cover_every_frame_once_even_when_uneven() {
        let pcm = Pcm::from_mono((0..997).map(|i| i as f32 / 1000.0).collect());
        let p = peaks(&pcm, 7);
        assert_eq!(p[0].min, 0.0);
        assert_eq!(p[6].max, 0.996);
        for w in p.windows(2) {
            assert!(w[0].max < w[1].min, "{w:?}");
        }
    }

    #[test]
    fn more_buckets_than_frames_and_ranges() {
        let pcm = Pcm::from_mono(vec![0.1, -0.2, 0.3]);
        let p = peaks(&pcm, 6);
        assert_eq!(p.len(), 6);
        assert!(p.iter().all(|b| b.min.is_finite() && b.max.is_finite()));
        assert_eq!(p[5].max, 0.3);
        let q = peaks_in(&pcm, 1..2, 2);
        assert_eq!(
            q,
            vec![
                Peak {
                    min: -0.2,
                    max: -0.2
                };
                2
            ]
        );
        assert!(peaks(&Pcm::default(), 4).iter().all(|b| b.max == 0.0));
        assert!(peaks(&pcm, 0).is_empty());
    }
}
