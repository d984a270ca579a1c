//! The whole DiT forward (`WanTransformer3DModel.forward`, text-to-video) and its loader.

use std::path::Path;

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::TensorData;

use super::block::{Attention, TransformerBlock};
use super::config::DitConfig;
use super::embeddings::{ConditionEmbedder, PatchEmbedding};
use super::names::{is_diffusers_layout, original_to_diffusers};
use super::norm::layer_norm_plain;
use super::rope::Rope3d;
use crate::precision::to_f32;
use crate::weights::{LoadError, WeightFiles, Weights};

/// The Wan diffusion transformer.
#[derive(Module, Debug)]
pub struct WanDit {
    /// patch_embedding.
    pub patch_embedding: PatchEmbedding,
    /// condition_embedder.
    pub condition_embedder: ConditionEmbedder,
    /// blocks.
    pub blocks: Vec<TransformerBlock>,
    /// proj_out: dim -> out_channels * pt * ph * pw.
    pub proj_out: Linear,
    /// scale_shift_table [1, 2, dim].
    pub scale_shift_table: Param<Tensor<3>>,
    /// Channels per head.
    pub head_dim: usize,
    /// Latent channels out.
    pub out_channels: usize,
    /// RoPE table length per axis.
    pub rope_max_seq_len: usize,
    /// Epsilon of norm_out.
    pub eps: f64,
}

impl WanDit {
    /// Random weights for `config`.
    pub fn init(config: &DitConfig, device: &Device) -> Self {
        let dim = config.inner_dim();
        Self {
            patch_embedding: PatchEmbedding::init(config, device),
            condition_embedder: ConditionEmbedder::init(config, device),
            blocks: (0..config.num_layers)
                .map(|_| TransformerBlock::init(config, device))
                .collect(),
            proj_out: LinearConfig::new(dim, config.out_channels() * config.patch_volume())
                .init(device),
            scale_shift_table: Param::from_tensor(
                Tensor::random(
                    [1, 2, dim],
                    burn::tensor::Distribution::Normal(0.0, 1.0),
                    device,
                ) / (dim as f64).sqrt(),
            ),
            head_dim: config.attention_head_dim,
            out_channels: config.out_channels(),
            rope_max_seq_len: config.rope_max_seq_len,
            eps: config.eps,
        }
    }

    /// The model for `config` with the weights at `weights`: a diffusers
    /// `diffusion_pytorch_model.safetensors`, a diffusers folder (sharded through its index),
    /// or a ComfyUI / original Wan single file (`wan2.1_t2v_1.3B_fp16.safetensors`), in f32,
    /// f16, bf16 or fp8 (scaled), memory-mapped and converted on load. A file that does not fit
    /// reports every missing, unexpected and mis-shaped tensor.
    pub fn load(
        config: &DitConfig,
        weights: impl AsRef<Path>,
        device: &Device,
    ) -> Result<Self, LoadError> {
        let files = WeightFiles::open(weights)?;
        let mut w = if is_diffusers_layout(&files.names()) {
            Weights::translated(&files, &|name| Some(name.to_owned()))
        } else {
            Weights::translated(&files, &original_to_diffusers)
        };
        let mut model = Self::init(config, device);

        // The Conv3d kernel [dim, C, pt, ph, pw] is the patch Linear's [dim, C*pt*ph*pw].
        let [pt, ph, pw] = config.patch_size;
        let conv_shape = [config.inner_dim(), config.in_channels, pt, ph, pw];
        if let Some(values) = w.values("patch_embedding.weight", &conv_shape) {
            let kernel = Tensor::<2>::from_data(
                TensorData::new(values, [conv_shape[0], conv_shape[1..].iter().product()]),
                device,
            );
            model.patch_embedding.proj.weight = Param::from_tensor(kernel.transpose());
        }
        if let Some(bias) = model.patch_embedding.proj.bias.as_mut() {
            w.param(bias, "patch_embedding.bias");
        }

        let c = &mut model.condition_embedder;
        w.linear(
            &mut c.time_linear_1,
            "condition_embedder.time_embedder.linear_1",
        );
        w.linear(
            &mut c.time_linear_2,
            "condition_embedder.time_embedder.linear_2",
        );
        w.linear(&mut c.time_proj, "condition_embedder.time_proj");
        w.linear(
            &mut c.text_linear_1,
            "condition_embedder.text_embedder.linear_1",
        );
        w.linear(
            &mut c.text_linear_2,
            "condition_embedder.text_embedder.linear_2",
        );

        for (i, block) in model.blocks.iter_mut().enumerate() {
            let p = format!("blocks.{i}");
            load_attention(&mut w, &mut block.attn1, &format!("{p}.attn1"));
            load_attention(&mut w, &mut block.attn2, &format!("{p}.attn2"));
            if let Some(norm) = block.norm2.as_mut() {
                w.layer_norm(norm, &format!("{p}.norm2"));
            }
            w.linear(&mut block.ffn.up, &format!("{p}.ffn.net.0.proj"));
            w.linear(&mut block.ffn.down, &format!("{p}.ffn.net.2"));
            w.param(
                &mut block.scale_shift_table,
                &format!("{p}.scale_shift_table"),
            );
        }
        w.linear(&mut model.proj_out, "proj_out");
        w.param(&mut model.scale_shift_table, "scale_shift_table");
        w.finish()?;
        Ok(model)
    }

    /// The token grid [frames, height, width] of latents [B, C, F, H, W].
    pub fn grid(&self, latent_dims: [usize; 5]) -> [usize; 3] {
        let [_, _, f, h, w] = latent_dims;
        let [pt, ph, pw] = self.patch_embedding.patch;
        [f / pt, h / ph, w / pw]
    }

    /// The RoPE tables of a token `grid` (the same for every step of a run: build them once
    /// and pass them to [`Self::forward_with_rope`]).
    pub fn rope(&self, grid: [usize; 3], device: &Device) -> Rope3d {
        Rope3d::new(self.head_dim, grid, self.rope_max_seq_len, device)
    }

    /// The flow prediction for `latents` [B, C, F, H, W] at `timestep` [B, T] with the text
    /// `text` [B, L, text_dim]; T = 1: one timestep per sample; T = latent frames / pt: one
    /// per latent frame, given to each of its tokens (Wan2.2 TI2V); T = tokens: one per token.
    /// F, H, W must be multiples of the patch size.
    pub fn forward(&self, latents: Tensor<5>, timestep: Tensor<2>, text: Tensor<3>) -> Tensor<5> {
        let rope = self.rope(self.grid(latents.dims()), &latents.device());
        self.forward_with_rope(latents, timestep, text, &rope)
    }

    /// [`Self::forward`] with the RoPE tables of the latents' grid built beforehand.
    pub fn forward_with_rope(
        &self,
        latents: Tensor<5>,
        timestep: Tensor<2>,
        text: Tensor<3>,
        rope: &Rope3d,
    ) -> Tensor<5> {
        let [b, _, _, _, _] = latents.dims();
        let [pt, ph, pw] = self.patch_embedding.patch;
        let grid = self.grid(latents.dims());
        let tokens = grid.iter().product::<usize>();

        let mut x = self.patch_embedding.forward(latents);
        let steps = timestep.dims()[1];
        let mut cond = self.condition_embedder.forward(timestep, text);
        let [_, _, dim] = cond.temb.dims();
        if steps != 1 && steps != tokens {
            assert!(
                steps == grid[0],
                "timestep [B, {steps}]: one, one per latent frame ({}) or one per token \
                 ({tokens}) expected",
                grid[0]
            );
            // One embedding per latent frame, repeated over the frame's tokens.
            let per_frame = tokens / grid[0];
            cond.temb = cond
                .temb
                .reshape([b, steps, 1, dim])
                .expand([b, steps, per_frame, dim])
                .reshape([b, tokens, dim]);
            cond.modulation = cond
                .modulation
                .reshape([b, steps, 1, 6, dim])
                .expand([b, steps, per_frame, 6, dim])
                .reshape([b, tokens, 6, dim]);
        }
        let t = cond.temb.dims()[1];
        for block in &self.blocks {
            x = block.forward(x, cond.text.clone(), cond.modulation.clone(), rope);
        }

        // norm_out and its modulation in f32, as diffusers' FP32LayerNorm and f32 table.
        let dtype = x.dtype();
        let table = to_f32(self.scale_shift_table.val()).reshape([1, 1, 2, dim]);
        let shift_scale = table + to_f32(cond.temb).reshape([b, t, 1, dim]);
        let shift = shift_scale.clone().narrow(2, 0, 1).reshape([b, t, dim]);
        let scale = shift_scale.narrow(2, 1, 1).reshape([b, t, dim]);
        let x = (layer_norm_plain(x, self.eps) * (scale + 1.0) + shift).cast(dtype);
        let x = self.proj_out.forward(x);

        // Unpatchify: [B, gf, gh, gw, pt, ph, pw, C] -> [B, C, gf, pt, gh, ph, gw, pw].
        let [gf, gh, gw] = grid;
        x.reshape([b, gf, gh, gw, pt, ph, pw, self.out_channels])
            .permute([0, 7, 1, 4, 2, 5, 3, 6])
            .reshape([b, self.out_channels, gf * pt, gh * ph, gw * pw])
    }
}

fn load_attention(w: &mut Weights<'_>, attn: &mut Attention, prefix: &str) {
    w.linear(&mut attn.to_q, &format!("{prefix}.to_q"));
    w.linear(&mut attn.to_k, &format!("{prefix}.to_k"));
    w.linear(&mut attn.to_v, &format!("{prefix}.to_v"));
    w.linear(&mut attn.to_out, &format!("{prefix}.to_out.0"));
    w.rms_norm(&mut attn.norm_q, &format!("{prefix}.norm_q"));
    w.rms_norm(&mut attn.norm_k, &format!("{prefix}.norm_k"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    fn tiny() -> (WanDit, Device) {
        let device = Device::flex();
        let config = DitConfig::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/dit_tiny/config.json"
        ))
        .unwrap();
        (WanDit::init(&config, &device), device)
    }

    fn max_diff(a: Tensor<5>, b: Tensor<5>) -> f32 {
        (a - b).abs().max().into_scalar::<f32>()
    }

    #[test]
    fn one_timestep_per_latent_frame_equals_it_repeated_per_token() {
        let (dit, device) = tiny();
        // 3 latent frames of 2 x 3 tokens.
        let latents = Tensor::<5>::random([1, 4, 3, 4, 6], Distribution::Normal(0.0, 1.0), &device);
        let text = Tensor::<3>::random([1, 5, 24], Distribution::Normal(0.0, 1.0), &device);
        let per_frame = Tensor::<2>::from_floats([[0.0, 700.0, 700.0]], &device);
        let mut values = vec![0.0f32; 6];
        values.extend([700.0; 12]);
        let per_token = Tensor::<2>::from_data(TensorData::new(values, [1, 18]), &device);
        let a = dit.forward(latents.clone(), per_frame, text.clone());
        let b = dit.forward(latents, per_token, text);
        assert!(max_diff(a, b) < 1e-5);
    }

    #[test]
    fn rope_built_once_gives_the_same_flow() {
        let (dit, device) = tiny();
        let latents = Tensor::<5>::random([1, 4, 2, 4, 4], Distribution::Normal(0.0, 1.0), &device);
        let text = Tensor::<3>::random([1, 5, 24], Distribution::Normal(0.0, 1.0), &device);
        let t = Tensor::<2>::from_floats([[500.0]], &device);
        let grid = dit.grid(latents.dims());
        assert_eq!(grid, [2, 2, 2]);
        let rope = dit.rope(grid, &device);
        let a = dit.forward(latents.clone(), t.clone(), text.clone());
        let b = dit.forward_with_rope(latents, t, text, &rope);
        assert_eq!(max_diff(a, b), 0.0);
    }
}
