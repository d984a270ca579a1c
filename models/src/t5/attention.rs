//! umT5 self-attention (transformers' `UMT5Attention`, encoder side): no 1/sqrt(d) scaling,
//! a learned bias per relative-position bucket and head, in every layer.

use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::TensorData;

use super::config::T5Config;
use crate::attention::{attention, AttentionInputs};

/// The bucket of `relative_position` (key position - query position) for bidirectional
/// attention, as Mesh TensorFlow / transformers compute it: half the buckets per direction
/// (positive distances use the upper half); within a direction, the first half of the buckets
/// are exact distances and the rest grow logarithmically up to `max_distance`, beyond which
/// every distance shares the last bucket.
pub fn relative_position_bucket(
    relative_position: i64,
    num_buckets: usize,
    max_distance: usize,
) -> usize {
    let half = num_buckets / 2;
    let offset = if relative_position > 0 { half } else { 0 };
    let distance = relative_position.unsigned_abs() as usize;
    let max_exact = half / 2;
    if distance < max_exact {
        return offset + distance;
    }
    // f32 like the reference (a float32 tensor), truncated toward zero by `.to(torch.long)`.
    let log_ratio = (distance as f32 / max_exact as f32).ln()
        / ((max_distance as f64 / max_exact as f64).ln() as f32)
        * (half - max_exact) as f32;
    offset + (max_exact + log_ratio as usize).min(half - 1)
}

/// Buckets for every (query, key) pair of a `len`-token sequence, row-major `[len, len]`.
pub fn relative_position_buckets(len: usize, num_buckets: usize, max_distance: usize) -> Vec<i64> {
    (0..len)
        .flat_map(|q| {
            (0..len).map(move |k| {
                relative_position_bucket(k as i64 - q as i64, num_buckets, max_distance) as i64
            })
        })
        .collect()
}

/// Self-attention with its own relative position bias (`layer.0.SelfAttention`).
#[derive(Module, Debug)]
pub struct SelfAttention {
    /// q: d_model -> heads * d_kv, no bias.
    pub q: Linear,
    /// k.
    pub k: Linear,
    /// v.
    pub v: Linear,
    /// o: heads * d_kv -> d_model.
    pub o: Linear,
    /// relative_attention_bias: [buckets, heads].
    pub relative_attention_bias: Embedding,
    /// Heads.
    pub heads: usize,
    /// Channels per head.
    pub d_kv: usize,
}

impl SelfAttention {
    /// Random weights for `config`.
    pub fn init(config: &T5Config, device: &Device) -> Self {
        let (d, inner) = (config.d_model, config.inner_dim());
        let linear = |i, o| LinearConfig::new(i, o).with_bias(false).init(device);
        Self {
            q: linear(d, inner),
            k: linear(d, inner),
            v: linear(d, inner),
            o: linear(inner, d),
            relative_attention_bias: EmbeddingConfig::new(
                config.relative_attention_num_buckets,
                config.num_heads,
            )
            .init(device),
            heads: config.num_heads,
            d_kv: config.d_kv,
        }
    }

    /// The additive position bias `[1, H, L, L]` for `buckets` `[L, L]`.
    pub fn position_bias(&self, buckets: Tensor<2, Int>) -> Tensor<4> {
        let [l, _] = buckets.dims();
        // [1, L*L] -> [1, L*L, H] -> [H, L, L]
        let values = self
            .relative_attention_bias
            .forward(buckets.reshape([1, l * l]))
            .reshape([l, l, self.heads])
            .permute([2, 0, 1]);
        values.unsqueeze::<4>()
    }

    /// `x` [B, L, d_model], `buckets` [L, L] (from [`relative_position_buckets`]), `masked`
    /// [B, 1, 1, L] (true: a padding key, left out) -> [B, L, d_model].
    pub fn forward(
        &self,
        x: Tensor<3>,
        buckets: Tensor<2, Int>,
        masked: Tensor<4, Bool>,
    ) -> Tensor<3> {
        let [b, l, _] = x.dims();
        let heads = |t: Tensor<3>| t.reshape([b, l, self.heads, self.d_kv]).swap_dims(1, 2);
        let q = heads(self.q.forward(x.clone()));
        let k = heads(self.k.forward(x.clone()));
        let v = heads(self.v.forward(x));
        // softmax(q k^T + bias) v: T5 folds the scale into its weights (scale 1.0); padding keys
        // are masked out (-inf before the softmax, as the reference's large negative). Bias and
        // mask stay broadcast ([1, H, L, L], [B, 1, 1, L]): the attention takes them in chunks.
        let out = attention(
            q,
            k,
            v,
            AttentionInputs {
                mask: Some(masked),
                bias: Some(self.position_bias(buckets)),
                scale: Some(1.0),
            },
        );
        // [B, H, L, d_kv] -> [B, L, H * d_kv]
        self.o
            .forward(out.swap_dims(1, 2).reshape([b, l, self.heads * self.d_kv]))
    }
}

/// [L, L] buckets on `device` for a `len`-token sequence.
pub fn bucket_tensor(
    len: usize,
    num_buckets: usize,
    max_distance: usize,
    device: &Device,
) -> Tensor<2, Int> {
    let buckets = relative_position_buckets(len, num_buckets, max_distance);
    Tensor::from_data(TensorData::new(buckets, [len, len]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// transformers' buckets, as the smallest |relative position| in each bucket (negative
    /// positions fill the lower half), printed by `UMT5Attention._relative_position_bucket` for
    /// positions -1100..=1100.
    fn check_against_reference(num_buckets: usize, max_distance: usize, starts: &[(usize, i64)]) {
        for rel in -1100i64..=1100 {
            // The reference bucket: the last start on rel's side with |start| <= |rel|.
            let expected = starts
                .iter()
                .filter(|(_, s)| (*s > 0) == (rel > 0) && s.abs() <= rel.abs())
                .map(|(bucket, _)| *bucket)
                .max()
                .unwrap();
            assert_eq!(
                relative_position_bucket(rel, num_buckets, max_distance),
                expected,
                "relative position {rel} with {num_buckets} buckets, max distance {max_distance}"
            );
        }
    }

    #[test]
    fn umt5_xxl_buckets_match_transformers() {
        let starts = [
            (0, 0),
            (1, -1),
            (2, -2),
            (3, -3),
            (4, -4),
            (5, -5),
            (6, -6),
            (7, -7),
            (8, -8),
            (9, -12),
            (10, -16),
            (11, -23),
            (12, -32),
            (13, -46),
            (14, -64),
            (15, -91),
            (17, 1),
            (18, 2),
            (19, 3),
            (20, 4),
            (21, 5),
            (22, 6),
            (23, 7),
            (24, 8),
            (25, 12),
            (26, 16),
            (27, 23),
            (28, 32),
            (29, 46),
            (30, 64),
            (31, 91),
        ];
        check_against_reference(32, 128, &starts);
    }

    #[test]
    fn tiny_buckets_match_transformers() {
        let starts = [(0, 0), (1, -1), (2, -2), (3, -6), (5, 1), (6, 2), (7, 6)];
        check_against_reference(8, 16, &starts);
    }

    #[test]
    fn bucket_table_is_row_major_key_minus_query() {
        let table = relative_position_buckets(3, 32, 128);
        // q = 0: keys 0, 1, 2 -> 0, 17, 18; q = 2: keys 0, 1, 2 -> 2, 1, 0.
        assert_eq!(table, vec![0, 17, 18, 1, 0, 17, 2, 1, 0]);
    }
}
