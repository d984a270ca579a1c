//! The transformer block (diffusers' `WanTransformerBlock`): modulated self-attention with
//! RMS-normed queries/keys and RoPE, cross-attention to the text, modulated GELU-tanh FFN.
//!
//! Precision as diffusers runs it in half precision: norms, the modulation and the gated
//! residual sums in f32, rounded back to the compute dtype; the linear layers and attention
//! products in the compute dtype (attention's softmax in f32).

use burn::module::Param;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;

use super::config::DitConfig;
use super::norm::{layer_norm_plain, qk_rms_norm, QkRmsNorm};
use super::rope::Rope3d;
use crate::activation::gelu_tanh;
use crate::attention::{attention, AttentionInputs};
use crate::precision::{layer_norm_affine, rms_norm, to_f32};

/// Multi-head attention with RMSNorm across heads on q and k (`WanAttention`, no image kv).
#[derive(Module, Debug)]
pub struct Attention {
    /// to_q.
    pub to_q: Linear,
    /// to_k.
    pub to_k: Linear,
    /// to_v.
    pub to_v: Linear,
    /// to_out.0.
    pub to_out: Linear,
    /// norm_q.
    pub norm_q: QkRmsNorm,
    /// norm_k.
    pub norm_k: QkRmsNorm,
    /// Heads.
    pub heads: usize,
}

impl Attention {
    /// Random weights for `config`.
    pub fn init(config: &DitConfig, device: &Device) -> Self {
        let dim = config.inner_dim();
        let linear = || LinearConfig::new(dim, dim).init(device);
        Self {
            to_q: linear(),
            to_k: linear(),
            to_v: linear(),
            to_out: linear(),
            norm_q: qk_rms_norm(dim, config.eps, device),
            norm_k: qk_rms_norm(dim, config.eps, device),
            heads: config.num_attention_heads,
        }
    }

    /// `x` [B, S, dim] attends to `context` [B, L, dim] (itself when `None`); RoPE on q and k
    /// when given.
    pub fn forward(
        &self,
        x: Tensor<3>,
        context: Option<Tensor<3>>,
        rope: Option<&Rope3d>,
    ) -> Tensor<3> {
        let [b, s, dim] = x.dims();
        let dtype = x.dtype().into();
        let context = context.unwrap_or_else(|| x.clone());
        let l = context.dims()[1];
        let head_dim = dim / self.heads;
        let split = |t: Tensor<3>, n: usize| t.reshape([b, n, self.heads, head_dim]);
        let mut q = split(rms_norm(&self.norm_q, self.to_q.forward(x), dtype), s);
        let mut k = split(
            rms_norm(&self.norm_k, self.to_k.forward(context.clone()), dtype),
            l,
        );
        let v = split(self.to_v.forward(context), l);
        if let Some(rope) = rope {
            q = rope.apply(q);
            k = rope.apply(k);
        }
        let out = attention(
            q.swap_dims(1, 2),
            k.swap_dims(1, 2),
            v.swap_dims(1, 2),
            AttentionInputs::default(),
        );
        self.to_out
            .forward(out.swap_dims(1, 2).reshape([b, s, dim]))
    }
}

/// The feed-forward network: Linear, GELU (tanh approximation), Linear.
#[derive(Module, Debug)]
pub struct FeedForward {
    /// net.0.proj: dim -> ffn_dim.
    pub up: Linear,
    /// net.2: ffn_dim -> dim.
    pub down: Linear,
}

impl FeedForward {
    /// Random weights for `config`.
    pub fn init(config: &DitConfig, device: &Device) -> Self {
        Self {
            up: LinearConfig::new(config.inner_dim(), config.ffn_dim).init(device),
            down: LinearConfig::new(config.ffn_dim, config.inner_dim()).init(device),
        }
    }

    /// [.., dim] -> [.., dim].
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.down.forward(gelu_tanh(self.up.forward(x)))
    }
}

/// One transformer block.
#[derive(Module, Debug)]
pub struct TransformerBlock {
    /// attn1: self-attention.
    pub attn1: Attention,
    /// attn2: cross-attention to the text.
    pub attn2: Attention,
    /// norm2: LayerNorm with affine before the cross-attention (`cross_attn_norm`).
    pub norm2: Option<LayerNorm>,
    /// ffn.
    pub ffn: FeedForward,
    /// scale_shift_table [1, 6, dim]: added to the timestep modulation.
    pub scale_shift_table: Param<Tensor<3>>,
    /// Epsilon of norm1 / norm3.
    pub eps: f64,
}

impl TransformerBlock {
    /// Random weights for `config`.
    pub fn init(config: &DitConfig, device: &Device) -> Self {
        let dim = config.inner_dim();
        Self {
            attn1: Attention::init(config, device),
            attn2: Attention::init(config, device),
            norm2: config.cross_attn_norm.then(|| {
                LayerNormConfig::new(dim)
                    .with_epsilon(config.eps)
                    .init(device)
            }),
            ffn: FeedForward::init(config, device),
            scale_shift_table: Param::from_tensor(
                Tensor::random(
                    [1, 6, dim],
                    burn::tensor::Distribution::Normal(0.0, 1.0),
                    device,
                ) / (dim as f64).sqrt(),
            ),
            eps: config.eps,
        }
    }

    /// `x` [B, S, dim], `text` [B, L, dim], `modulation` [B, T, 6, dim] with T = 1 or S.
    pub fn forward(
        &self,
        x: Tensor<3>,
        text: Tensor<3>,
        modulation: Tensor<4>,
        rope: &Rope3d,
    ) -> Tensor<3> {
        let [b, t, _, dim] = modulation.dims();
        let dtype = x.dtype();
        // The modulation in f32 (diffusers keeps scale_shift_table in f32 and adds temb.float()).
        let table = to_f32(self.scale_shift_table.val()).reshape([1, 1, 6, dim]);
        let mut parts = modulation
            .chunk(6, 2)
            .into_iter()
            .zip(table.chunk(6, 2))
            .map(|(p, row)| (to_f32(p) + row).reshape([b, t, dim]));
        let mut next = || parts.next().expect("six modulation parts");
        let (shift, scale, gate) = (next(), next(), next());
        let (c_shift, c_scale, c_gate) = (next(), next(), next());

        let normed = (layer_norm_plain(x.clone(), self.eps) * (scale + 1.0) + shift).cast(dtype);
        let attended = self.attn1.forward(normed, None, Some(rope));
        let x = (to_f32(x) + to_f32(attended) * gate).cast(dtype);

        let normed = match &self.norm2 {
            Some(norm) => layer_norm_affine(norm, x.clone(), self.eps),
            None => x.clone(),
        };
        let x = x + self.attn2.forward(normed, Some(text), None);

        let normed =
            (layer_norm_plain(x.clone(), self.eps) * (c_scale + 1.0) + c_shift).cast(dtype);
        let fed = self.ffn.forward(normed);
        (to_f32(x) + to_f32(fed) * c_gate).cast(dtype)
    }
}
