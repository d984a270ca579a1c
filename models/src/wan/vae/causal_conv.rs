//! The causal 3-D convolution (`WanCausalConv3d`) and the frames it carries between chunks.
//!
//! Time is padded on the left only, so an output frame never sees a later input frame. When a
//! clip is processed in chunks, the last input frames of the previous chunk take the place of
//! (part of) that padding: the result equals one convolution over the whole clip.

use burn::nn::conv::{Conv3d, Conv3dConfig};
use burn::prelude::*;

/// Frames a causal convolution keeps from one chunk for the next (diffusers' `CACHE_T`).
pub const CACHE_T: usize = 2;

/// The input frames a causal convolution saw last: at most [`CACHE_T`] frames
/// `[B, C, <=2, H, W]`, none before the first chunk.
#[derive(Debug, Clone, Default)]
pub struct ConvCache {
    past: Option<Tensor<5>>,
}

impl ConvCache {
    /// Whether no chunk has gone through yet.
    pub fn is_empty(&self) -> bool {
        self.past.is_none()
    }
}

/// A Conv3d with causal time padding (`2 * padding_t` frames on the left, none on the right)
/// and symmetric spatial padding.
#[derive(Module, Debug)]
pub struct CausalConv3d {
    /// The convolution, without padding of its own.
    pub conv: Conv3d,
    /// Zero frames before the input.
    pub time_pad: usize,
    /// Zero rows/columns on both sides (height, width).
    pub space_pad: [usize; 2],
}

impl CausalConv3d {
    /// `c_in -> c_out` with `kernel`, `stride` and torch-style `padding` (t, h, w).
    pub fn new(
        c_in: usize,
        c_out: usize,
        kernel: [usize; 3],
        stride: [usize; 3],
        padding: [usize; 3],
        device: &Device,
    ) -> Self {
        Self {
            conv: Conv3dConfig::new([c_in, c_out], kernel)
                .with_stride(stride)
                .init(device),
            time_pad: 2 * padding[0],
            space_pad: [padding[1], padding[2]],
        }
    }

    /// The usual 3x3x3 convolution with padding 1 (2 frames on the left).
    pub fn k3(c_in: usize, c_out: usize, device: &Device) -> Self {
        Self::new(c_in, c_out, [3; 3], [1; 3], [1; 3], device)
    }

    /// A pointwise (1x1x1) convolution.
    pub fn k1(c_in: usize, c_out: usize, device: &Device) -> Self {
        Self::new(c_in, c_out, [1; 3], [1; 3], [0; 3], device)
    }

    /// `[B, C_in, T, H, W] -> [B, C_out, T', H', W']` as the first chunk (zero padding).
    pub fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        self.convolve(x, 0)
    }

    /// `x` as the next chunk of a clip: the frames in `cache` stand for part of the left
    /// padding, and the cache then holds the last [`CACHE_T`] frames seen.
    pub fn forward_cached(&self, x: Tensor<5>, cache: &mut ConvCache) -> Tensor<5> {
        if self.time_pad == 0 {
            return self.forward(x);
        }
        let (seen, had) = match cache.past.take() {
            Some(past) => {
                let had = past.dims()[2];
                (Tensor::cat(vec![past, x], 2), had)
            }
            None => (x, 0),
        };
        let t = seen.dims()[2];
        let keep = t.min(CACHE_T);
        cache.past = Some(copy_frames(seen.clone(), t - keep, keep));
        self.convolve(seen, had)
    }

    /// Pads `x` (whose first `had` frames are real past frames) and convolves.
    fn convolve(&self, x: Tensor<5>, had: usize) -> Tensor<5> {
        let left = self.time_pad.saturating_sub(had);
        let [ph, pw] = self.space_pad;
        let x = if left + ph + pw > 0 {
            x.pad([(left, 0), (ph, ph), (pw, pw)], 0.0)
        } else {
            x
        };
        self.conv.forward(x)
    }
}

/// Frames `start..start + len` of `x` [B, C, T, H, W] in a buffer of their own: a narrowed
/// view would keep the whole chunk alive for as long as a cache holds it.
pub(crate) fn copy_frames(x: Tensor<5>, start: usize, len: usize) -> Tensor<5> {
    if start == 0 && len == x.dims()[2] {
        return x;
    }
    let mut frames: Vec<Tensor<5>> = (start..start + len)
        .map(|i| x.clone().narrow(2, i, 1))
        .collect();
    match frames.len() {
        // cat of one tensor returns the view itself; an element-wise op writes a new buffer.
        1 => frames.remove(0) * 1.0,
        _ => Tensor::cat(frames, 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    /// Chunk by chunk with the cache equals one pass over the whole clip.
    #[test]
    fn chunks_with_cache_equal_one_pass() {
        let device = Device::flex();
        let conv = CausalConv3d::k3(3, 4, &device);
        let x = Tensor::<5>::random([1, 3, 7, 5, 4], Distribution::Normal(0.0, 1.0), &device);
        let whole = conv.forward(x.clone());
        let mut cache = ConvCache::default();
        let parts: Vec<_> = [(0, 1), (1, 4), (5, 1), (6, 1)]
            .into_iter()
            .map(|(start, len)| conv.forward_cached(x.clone().narrow(2, start, len), &mut cache))
            .collect();
        let chunked = Tensor::cat(parts, 2);
        assert_eq!(whole.dims(), [1, 4, 7, 5, 4]);
        let diff: f32 = (whole - chunked).abs().max().into_scalar();
        assert!(diff < 1e-5, "{diff}");
    }

    /// The first output frame sees only the first input frame (causal).
    #[test]
    fn is_causal() {
        let device = Device::flex();
        let conv = CausalConv3d::k3(2, 2, &device);
        let x = Tensor::<5>::random([1, 2, 3, 4, 4], Distribution::Normal(0.0, 1.0), &device);
        let first = conv.forward(x.clone().narrow(2, 0, 1));
        let all = conv.forward(x).narrow(2, 0, 1);
        let diff: f32 = (first - all).abs().max().into_scalar();
        assert!(diff < 1e-6, "{diff}");
    }
}
