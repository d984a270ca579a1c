//! Scaled dot-product attention that never holds the whole [S, S] score matrix: queries (and
//! heads, and batch items) are taken in chunks so that no intermediate exceeds a byte bound,
//! and the softmax runs in f32 whatever the compute dtype (an f16 softmax over 32k keys loses
//! the small weights and overflows on large logits).
//!
//! burn's own `attention` materialises [B, H, Sq, Sk] on flex and on cubecl's fallback (the
//! only path without the `autotune` feature): 25.8 GB in f16 for Wan2.1-1.3B at 480x832x81,
//! beyond wgpu's i32::MAX storage binding. The fused flash kernels are only taken here where a
//! build has them (see [`set_fused`]) and the call has neither mask, bias nor custom scale.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use burn::prelude::*;
use burn::tensor::module::attention as burn_attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::FloatDType;

/// The default bound on any intermediate of one attention call: 256 MiB, far below wgpu's
/// i32::MAX (2 GiB) storage binding and small beside a video model's weights.
pub const DEFAULT_MAX_BYTES: usize = 256 << 20;

/// The environment variable that overrides the bound (bytes), read once per process.
pub const MAX_BYTES_ENV: &str = "MOTIONBOARD_ATTENTION_MAX_BYTES";

/// 0: not yet read from the environment.
static MAX_BYTES: AtomicUsize = AtomicUsize::new(0);
static FUSED: AtomicBool = AtomicBool::new(false);

/// The process-wide bound every model's attention uses: [`set_max_bytes`], else
/// `MOTIONBOARD_ATTENTION_MAX_BYTES`, else [`DEFAULT_MAX_BYTES`].
pub fn max_bytes() -> usize {
    match MAX_BYTES.load(Ordering::Relaxed) {
        0 => {
            let bytes = std::env::var(MAX_BYTES_ENV)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|&b| b > 0)
                .unwrap_or(DEFAULT_MAX_BYTES);
            MAX_BYTES.store(bytes, Ordering::Relaxed);
            bytes
        }
        bytes => bytes,
    }
}

/// Sets the bound (bytes, at least 1) for every later attention call in this process.
pub fn set_max_bytes(bytes: usize) {
    MAX_BYTES.store(bytes.max(1), Ordering::Relaxed);
}

/// Whether burn's fused (flash) attention may be used for plain attention (no mask, bias or
/// custom scale). Only true for a GPU device in a build with burn's `autotune` feature, where
/// `attention` tunes between flash kernels that never allocate the score matrix; the engine
/// device sets it when it opens.
pub fn set_fused(fused: bool) {
    FUSED.store(fused, Ordering::Relaxed);
}

fn fused() -> bool {
    FUSED.load(Ordering::Relaxed)
}

/// What to attend with besides q, k, v.
#[derive(Debug, Clone, Default)]
pub struct AttentionInputs {
    /// True where a key is left out, broadcastable to [B, H, Sq, Sk] (each dim either full or
    /// 1).
    pub mask: Option<Tensor<4, Bool>>,
    /// Added to the scores before the softmax, broadcastable to [B, H, Sq, Sk] like `mask`.
    pub bias: Option<Tensor<4>>,
    /// Scores scale; `None`: 1 / sqrt(head dim).
    pub scale: Option<f64>,
}

/// `softmax(q k^T * scale + bias, masked keys left out) v` for q [B, H, Sq, D], k [B, H, Sk, D],
/// v [B, H, Sk, Dv] -> [B, H, Sq, Dv], in the process-wide bound ([`max_bytes`]).
pub fn attention(q: Tensor<4>, k: Tensor<4>, v: Tensor<4>, inputs: AttentionInputs) -> Tensor<4> {
    let plain = inputs.mask.is_none() && inputs.bias.is_none() && inputs.scale.is_none();
    // The flag is process-wide; a CPU tensor (e.g. umT5 kept on the CPU) never takes it.
    if plain && fused() && q.device() != Device::flex() {
        return burn_attention(q, k, v, None, None, AttentionModuleOptions::default());
    }
    bounded_attention(q, k, v, inputs, max_bytes())
}

/// How the work is cut: items of the batch at a time (all or one), heads and query rows per
/// chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunking {
    /// Whether the whole batch goes in one piece.
    pub whole_batch: bool,
    /// Heads per chunk.
    pub heads: usize,
    /// Query rows per chunk.
    pub queries: usize,
}

impl Chunking {
    /// The largest chunks whose f32 score block ([.., heads, queries, Sk] x 4 bytes) fits
    /// `max_bytes`; a single query row of one head is the floor (Sk x 4 bytes, 128 KiB at
    /// Wan's 32,760 tokens).
    pub fn plan(dims: [usize; 4], keys: usize, max_bytes: usize) -> Self {
        let [batch, heads, queries, _] = dims;
        let row_bytes = keys.max(1) * F32_BYTES;
        let rows = (max_bytes / row_bytes).max(1);
        if rows >= batch * heads * queries {
            return Self {
                whole_batch: true,
                heads,
                queries,
            };
        }
        if rows >= queries {
            return Self {
                whole_batch: false,
                heads: (rows / queries).min(heads),
                queries,
            };
        }
        Self {
            whole_batch: false,
            heads: 1,
            queries: rows,
        }
    }

    /// Bytes of the largest score block of a chunk.
    pub fn score_bytes(&self, batch: usize, keys: usize) -> usize {
        let items = if self.whole_batch { batch } else { 1 };
        items * self.heads * self.queries * keys * F32_BYTES
    }
}

const F32_BYTES: usize = 4;

/// [`attention`] with an explicit bound and never the fused path: what the tests split.
pub fn bounded_attention(
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
    inputs: AttentionInputs,
    max_bytes: usize,
) -> Tensor<4> {
    let [b, h, sq, d] = q.dims();
    let sk = k.dims()[2];
    let scale = inputs.scale.unwrap_or(1.0 / (d as f64).sqrt());
    let plan = Chunking::plan([b, h, sq, d], sk, max_bytes);
    if plan.whole_batch {
        return scores_softmax_values(q, k, v, inputs.mask, inputs.bias, scale);
    }
    let mut items = Vec::with_capacity(b);
    for bi in 0..b {
        let mut head_chunks = Vec::with_capacity(h.div_ceil(plan.heads));
        for h0 in (0..h).step_by(plan.heads) {
            let hn = plan.heads.min(h - h0);
            let pick = |t: Tensor<4>| t.narrow(0, bi, 1).narrow(1, h0, hn);
            let (qh, kh, vh) = (pick(q.clone()), pick(k.clone()), pick(v.clone()));
            let mut query_chunks = Vec::with_capacity(sq.div_ceil(plan.queries));
            for q0 in (0..sq).step_by(plan.queries) {
                let qn = plan.queries.min(sq - q0);
                let mask = inputs
                    .mask
                    .clone()
                    .map(|m| narrow_broadcast(m, [(bi, 1), (h0, hn), (q0, qn)]));
                let bias = inputs
                    .bias
                    .clone()
                    .map(|m| narrow_broadcast(m, [(bi, 1), (h0, hn), (q0, qn)]));
                query_chunks.push(scores_softmax_values(
                    qh.clone().narrow(2, q0, qn),
                    kh.clone(),
                    vh.clone(),
                    mask,
                    bias,
                    scale,
                ));
            }
            head_chunks.push(cat_or_single(query_chunks, 2));
        }
        items.push(cat_or_single(head_chunks, 1));
    }
    cat_or_single(items, 0)
}

/// Narrows the first three dims of a broadcastable [B|1, H|1, Sq|1, Sk] tensor to the chunk,
/// leaving size-1 (broadcast) dims alone.
fn narrow_broadcast<K>(t: Tensor<4, K>, ranges: [(usize, usize); 3]) -> Tensor<4, K>
where
    K: burn::tensor::kind::Basic,
{
    let dims = t.dims();
    ranges
        .into_iter()
        .enumerate()
        .fold(t, |t, (dim, (start, len))| {
            if dims[dim] == 1 {
                t
            } else {
                t.narrow(dim, start, len)
            }
        })
}

fn cat_or_single(mut parts: Vec<Tensor<4>>, dim: usize) -> Tensor<4> {
    if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        Tensor::cat(parts, dim)
    }
}

/// One chunk: scores in the compute dtype, the softmax in f32 (NaN-safe for fully masked rows:
/// they give zeros), the weights back in v's dtype for the product.
fn scores_softmax_values(
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
    mask: Option<Tensor<4, Bool>>,
    bias: Option<Tensor<4>>,
    scale: f64,
) -> Tensor<4> {
    let dtype = v.dtype();
    let scores = q.matmul(k.swap_dims(2, 3)).cast(FloatDType::F32) * scale;
    let shape = scores.dims();
    let scores = match bias {
        Some(bias) => scores + bias.cast(FloatDType::F32).expand(shape),
        None => scores,
    };
    let scores = match mask {
        Some(mask) => scores.mask_fill(mask.expand(shape), f32::NEG_INFINITY),
        None => scores,
    };
    let max = scores.clone().max_dim(3).clamp_min(f32::MIN);
    let weights = (scores - max).exp();
    let sum = weights.clone().sum_dim(3).clamp_min(f32::MIN_POSITIVE);
    (weights / sum).cast(dtype).matmul(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Distribution, TensorData};

    fn random(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
        // A host-side stream, the same on every device.
        let n: usize = shape.iter().product();
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let values: Vec<f32> = (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) as f32 / (1u64 << 31) as f32) * 4.0 - 2.0
            })
            .collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    }

    fn max_abs_diff(a: Tensor<4>, b: Tensor<4>) -> f32 {
        let a: Vec<f32> = a.into_data().try_into_vec_as::<f32>().unwrap();
        let b: Vec<f32> = b.into_data().try_into_vec_as::<f32>().unwrap();
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn plan_stays_under_the_bound() {
        // Wan2.1-1.3B at 480x832x81: 12 heads over 32,760 tokens.
        let plan = Chunking::plan([1, 12, 32_760, 128], 32_760, DEFAULT_MAX_BYTES);
        assert!(plan.score_bytes(1, 32_760) <= DEFAULT_MAX_BYTES, "{plan:?}");
        assert_eq!(plan.heads, 1);
        assert_eq!(plan.queries, DEFAULT_MAX_BYTES / (32_760 * 4));
        // Small enough: one piece.
        let plan = Chunking::plan([2, 4, 16, 8], 16, DEFAULT_MAX_BYTES);
        assert!(plan.whole_batch);
        // Whole heads when a head's scores fit.
        let plan = Chunking::plan([2, 4, 16, 8], 16, 2 * 16 * 16 * 4);
        assert_eq!((plan.whole_batch, plan.heads, plan.queries), (false, 2, 16));
    }

    #[test]
    fn split_matches_unsplit_and_burn() {
        let device = Device::flex();
        let (q, k, v) = (
            random([2, 3, 7, 4], 1, &device),
            random([2, 3, 5, 4], 2, &device),
            random([2, 3, 5, 6], 3, &device),
        );
        let whole = bounded_attention(
            q.clone(),
            k.clone(),
            v.clone(),
            AttentionInputs::default(),
            usize::MAX,
        );
        let reference = burn_attention(
            q.clone(),
            k.clone(),
            v.clone(),
            None,
            None,
            AttentionModuleOptions::default(),
        );
        assert!(max_abs_diff(whole.clone(), reference) < 1e-5);
        // One row of one head (20 bytes of scores: smaller than a row), then 2 heads at a time.
        for bound in [1, 5 * 4 * 7 * 2] {
            let split = bounded_attention(
                q.clone(),
                k.clone(),
                v.clone(),
                AttentionInputs::default(),
                bound,
            );
            assert_eq!(split.dims(), [2, 3, 7, 6]);
            assert!(max_abs_diff(split, whole.clone()) < 1e-6, "bound {bound}");
        }
    }

    #[test]
    fn split_keeps_broadcast_mask_bias_and_scale() {
        let device = Device::flex();
        let (q, k, v) = (
            random([2, 3, 6, 4], 4, &device),
            random([2, 3, 6, 4], 5, &device),
            random([2, 3, 6, 4], 6, &device),
        );
        let bias = Tensor::<4>::random([1, 3, 6, 6], Distribution::Normal(0.0, 1.0), &device);
        // Item 1's last two keys are padding.
        let keep = Tensor::<2, Int>::from_data(
            TensorData::new(vec![1i64, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 6]),
            &device,
        );
        let mask = keep.equal_elem(0).reshape([2, 1, 1, 6]);
        let inputs = AttentionInputs {
            mask: Some(mask.clone()),
            bias: Some(bias.clone()),
            scale: Some(1.0),
        };
        let reference = burn_attention(
            q.clone(),
            k.clone(),
            v.clone(),
            Some(mask.expand([2, 3, 6, 6])),
            Some(bias.expand([2, 3, 6, 6])),
            AttentionModuleOptions {
                scale: Some(1.0),
                ..Default::default()
            },
        );
        let split = bounded_attention(q, k, v, inputs, 4 * 6 * 4);
        assert!(max_abs_diff(split, reference) < 1e-5);
    }
}
