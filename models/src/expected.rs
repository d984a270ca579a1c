//! The tensors each model expects (reference names and torch shapes) for a given config, and a
//! check of weight files against them that reads only the safetensors headers: a 10 GB file
//! is judged in milliseconds, with the same missing / unexpected / mis-shaped report the
//! loaders give ([`crate::weights::LoadError::Mismatch`]).
//!
//! The lists follow the loaders (`WanDit::load`, `WanVae::load`, `UmT5Encoder::load`); the
//! tests hold them to the committed fixtures, which the real loaders read cleanly.

use burn::module::Param;
use burn::nn::conv::Conv2d;
use burn::prelude::*;

use crate::t5::{T5Config, T5ConfigError};
use crate::wan::dit::{is_diffusers_layout, original_to_diffusers as dit_original, DitConfig};
use crate::wan::vae::{
    original_to_diffusers as vae_original, AttentionBlock, CausalConv3d, ChannelRmsNorm, MidBlock,
    Resample, ResidualBlock, VaeConfig, WanVae,
};
use crate::weights::{LoadError, WeightFiles, Weights};

/// One expected tensor: its reference name and torch shape.
pub type ExpectedTensor = (String, Vec<usize>);

/// The DiT's tensors in diffusers' `WanTransformer3DModel` names.
pub fn dit_tensors(config: &DitConfig) -> Vec<ExpectedTensor> {
    let dim = config.inner_dim();
    let [pt, ph, pw] = config.patch_size;
    let mut out = Vec::new();
    let linear = |out: &mut Vec<ExpectedTensor>, name: &str, d_in: usize, d_out: usize| {
        out.push((format!("{name}.weight"), vec![d_out, d_in]));
        out.push((format!("{name}.bias"), vec![d_out]));
    };
    out.push((
        "patch_embedding.weight".into(),
        vec![dim, config.in_channels, pt, ph, pw],
    ));
    out.push(("patch_embedding.bias".into(), vec![dim]));
    let c = "condition_embedder";
    linear(
        &mut out,
        &format!("{c}.time_embedder.linear_1"),
        config.freq_dim,
        dim,
    );
    linear(&mut out, &format!("{c}.time_embedder.linear_2"), dim, dim);
    linear(&mut out, &format!("{c}.time_proj"), dim, 6 * dim);
    linear(
        &mut out,
        &format!("{c}.text_embedder.linear_1"),
        config.text_dim,
        dim,
    );
    linear(&mut out, &format!("{c}.text_embedder.linear_2"), dim, dim);
    for i in 0..config.num_layers {
        let p = format!("blocks.{i}");
        for attn in ["attn1", "attn2"] {
            for proj in ["to_q", "to_k", "to_v", "to_out.0"] {
                linear(&mut out, &format!("{p}.{attn}.{proj}"), dim, dim);
            }
            out.push((format!("{p}.{attn}.norm_q.weight"), vec![dim]));
            out.push((format!("{p}.{attn}.norm_k.weight"), vec![dim]));
        }
        if config.cross_attn_norm {
            out.push((format!("{p}.norm2.weight"), vec![dim]));
            out.push((format!("{p}.norm2.bias"), vec![dim]));
        }
        linear(
            &mut out,
            &format!("{p}.ffn.net.0.proj"),
            dim,
            config.ffn_dim,
        );
        linear(&mut out, &format!("{p}.ffn.net.2"), config.ffn_dim, dim);
        out.push((format!("{p}.scale_shift_table"), vec![1, 6, dim]));
    }
    linear(
        &mut out,
        "proj_out",
        dim,
        config.out_channels() * config.patch_volume(),
    );
    out.push(("scale_shift_table".into(), vec![1, 2, dim]));
    out
}

/// The umT5 encoder's tensors in transformers' names (the token embedding as `shared.weight`).
pub fn t5_tensors(config: &T5Config) -> Result<Vec<ExpectedTensor>, T5ConfigError> {
    let (gated, _) = config.feed_forward()?;
    let (d, inner) = (config.d_model, config.inner_dim());
    let mut out = vec![("shared.weight".to_owned(), vec![config.vocab_size, d])];
    for i in 0..config.num_layers {
        let p = format!("encoder.block.{i}.layer");
        let a = format!("{p}.0.SelfAttention");
        for proj in ["q", "k", "v"] {
            out.push((format!("{a}.{proj}.weight"), vec![inner, d]));
        }
        out.push((format!("{a}.o.weight"), vec![d, inner]));
        out.push((
            format!("{a}.relative_attention_bias.weight"),
            vec![config.relative_attention_num_buckets, config.num_heads],
        ));
        out.push((format!("{p}.0.layer_norm.weight"), vec![d]));
        let f = format!("{p}.1.DenseReluDense");
        if gated {
            out.push((format!("{f}.wi_0.weight"), vec![config.d_ff, d]));
            out.push((format!("{f}.wi_1.weight"), vec![config.d_ff, d]));
        } else {
            out.push((format!("{f}.wi.weight"), vec![config.d_ff, d]));
        }
        out.push((format!("{f}.wo.weight"), vec![d, config.d_ff]));
        out.push((format!("{p}.1.layer_norm.weight"), vec![d]));
    }
    out.push(("encoder.final_layer_norm.weight".into(), vec![d]));
    Ok(out)
}

/// The VAE's tensors in diffusers' `AutoencoderKLWan` names. The shapes come from the model
/// itself, built lazily (burn allocates no parameter until it is read), so they cannot drift
/// from what `WanVae::load` asks for.
pub fn vae_tensors(config: &VaeConfig) -> Vec<ExpectedTensor> {
    let vae = WanVae::init(config, &Device::flex());
    let mut walk = VaeWalk { out: Vec::new() };
    walk.vae(&vae);
    walk.out
}

/// The tensor names `WanVae::load` asks for, in the same order, with their shapes.
struct VaeWalk {
    out: Vec<ExpectedTensor>,
}

fn shape<const D: usize>(param: &Param<Tensor<D>>) -> Vec<usize> {
    param.lazy_shape().to_vec()
}

impl VaeWalk {
    fn conv3d(&mut self, conv: &CausalConv3d, prefix: &str) {
        self.out
            .push((format!("{prefix}.weight"), shape(&conv.conv.weight)));
        if let Some(bias) = &conv.conv.bias {
            self.out.push((format!("{prefix}.bias"), shape(bias)));
        }
    }

    fn conv2d(&mut self, conv: &Conv2d, prefix: &str) {
        self.out
            .push((format!("{prefix}.weight"), shape(&conv.weight)));
        if let Some(bias) = &conv.bias {
            self.out.push((format!("{prefix}.bias"), shape(bias)));
        }
    }

    /// Stored as [C, 1, 1, 1] for videos, [C, 1, 1] in the attention.
    fn gamma(&mut self, norm: &ChannelRmsNorm, name: String, torch_rank: usize) {
        let mut dims = vec![1; torch_rank];
        dims[0] = norm.channels();
        self.out.push((name, dims));
    }

    fn residual(&mut self, block: &ResidualBlock, p: &str) {
        self.gamma(&block.norm1, format!("{p}.norm1.gamma"), 4);
        self.conv3d(&block.conv1, &format!("{p}.conv1"));
        self.gamma(&block.norm2, format!("{p}.norm2.gamma"), 4);
        self.conv3d(&block.conv2, &format!("{p}.conv2"));
        if let Some(shortcut) = &block.conv_shortcut {
            self.conv3d(shortcut, &format!("{p}.conv_shortcut"));
        }
    }

    fn resample(&mut self, resample: &Resample, p: &str) {
        self.conv2d(&resample.conv, &format!("{p}.resample.1"));
        if let Some(time_conv) = &resample.time_conv {
            self.conv3d(time_conv, &format!("{p}.time_conv"));
        }
    }

    fn attention(&mut self, attn: &AttentionBlock, p: &str) {
        self.gamma(&attn.norm, format!("{p}.norm.gamma"), 3);
        self.conv2d(&attn.to_qkv, &format!("{p}.to_qkv"));
        self.conv2d(&attn.proj, &format!("{p}.proj"));
    }

    fn mid(&mut self, mid: &MidBlock, p: &str) {
        for (i, resnet) in mid.resnets.iter().enumerate() {
            self.residual(resnet, &format!("{p}.resnets.{i}"));
        }
        self.attention(&mid.attention, &format!("{p}.attentions.0"));
    }

    fn vae(&mut self, vae: &WanVae) {
        let residual = vae.config.is_residual;
        let encoder = &vae.encoder;
        self.conv3d(&encoder.conv_in, "encoder.conv_in");
        // Wan2.1 numbers the encoder's layers flat, Wan2.2 nests them per level.
        let mut flat = 0;
        let mut next = |level: usize, part: String| {
            if residual {
                format!("encoder.down_blocks.{level}.{part}")
            } else {
                flat += 1;
                format!("encoder.down_blocks.{}", flat - 1)
            }
        };
        let mut names = Vec::new();
        for (i, block) in encoder.down_blocks.iter().enumerate() {
            for (j, resnet) in block.resnets.iter().enumerate() {
                names.push((next(i, format!("resnets.{j}")), Some(resnet), None));
            }
            if let Some(down) = &block.downsampler {
                names.push((next(i, "downsampler".into()), None, Some(down)));
            }
        }
        for (prefix, resnet, down) in names {
            if let Some(resnet) = resnet {
                self.residual(resnet, &prefix);
            }
            if let Some(down) = down {
                self.resample(down, &prefix);
            }
        }
        self.mid(&encoder.mid_block, "encoder.mid_block");
        self.gamma(&encoder.norm_out, "encoder.norm_out.gamma".into(), 4);
        self.conv3d(&encoder.conv_out, "encoder.conv_out");
        self.conv3d(&vae.quant_conv, "quant_conv");
        self.conv3d(&vae.post_quant_conv, "post_quant_conv");

        let decoder = &vae.decoder;
        self.conv3d(&decoder.conv_in, "decoder.conv_in");
        self.mid(&decoder.mid_block, "decoder.mid_block");
        for (i, block) in decoder.up_blocks.iter().enumerate() {
            for (j, resnet) in block.resnets.iter().enumerate() {
                self.residual(resnet, &format!("decoder.up_blocks.{i}.resnets.{j}"));
            }
            if let Some(up) = &block.upsampler {
                let prefix = if residual {
                    format!("decoder.up_blocks.{i}.upsampler")
                } else {
                    format!("decoder.up_blocks.{i}.upsamplers.0")
                };
                self.resample(up, &prefix);
            }
        }
        self.gamma(&decoder.norm_out, "decoder.norm_out.gamma".into(), 4);
        self.conv3d(&decoder.conv_out, "decoder.conv_out");
    }
}

/// Checks `files` against `expected` by shape alone: every expected tensor present with its
/// shape, nothing else (fp8 scales and other non-weights excepted, as the loader does).
fn check_against(
    files: &WeightFiles,
    expected: &[ExpectedTensor],
    translate: &dyn Fn(&str) -> Option<String>,
) -> Result<(), LoadError> {
    let mut w = Weights::translated(files, translate);
    for (name, dims) in expected {
        w.check_shape(name, dims);
    }
    w.finish()
}

/// Checks DiT weights (diffusers or original / ComfyUI names) against `config` by their headers.
pub fn check_dit(config: &DitConfig, files: &WeightFiles) -> Result<(), LoadError> {
    let expected = dit_tensors(config);
    if is_diffusers_layout(&files.names()) {
        check_against(files, &expected, &|n| Some(n.to_owned()))
    } else {
        check_against(files, &expected, &dit_original)
    }
}

/// Checks VAE weights (diffusers or original / ComfyUI names) against `config` by their headers.
pub fn check_vae(config: &VaeConfig, files: &WeightFiles) -> Result<(), LoadError> {
    let expected = vae_tensors(config);
    let diffusers = files
        .names()
        .iter()
        .any(|n| n.starts_with("quant_conv.") || n.starts_with("encoder.conv_in."));
    if diffusers {
        check_against(files, &expected, &|n| Some(n.to_owned()))
    } else {
        check_against(files, &expected, &vae_original)
    }
}

/// Checks umT5 encoder weights against `config` by their headers. The token embedding may be
/// `shared.weight`, `encoder.embed_tokens.weight` or both (tied), as the loader accepts.
pub fn check_t5(config: &T5Config, files: &WeightFiles) -> Result<(), LoadError> {
    const SHARED: &str = "shared.weight";
    const EMBED_TOKENS: &str = "encoder.embed_tokens.weight";
    let mut expected = t5_tensors(config).map_err(|e| LoadError::NoWeights {
        path: files.path().to_owned(),
        reason: e.to_string(),
    })?;
    let has_shared = files.contains(SHARED);
    if files.contains(EMBED_TOKENS) {
        let embedding = (
            EMBED_TOKENS.to_owned(),
            vec![config.vocab_size, config.d_model],
        );
        if has_shared {
            expected.push(embedding);
        } else {
            expected[0] = embedding;
        }
    }
    check_against(files, &expected, &|n| Some(n.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(path: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(path)
    }

    #[test]
    fn committed_fixtures_match_their_configs() {
        let dit = DitConfig::load(fixture("dit_tiny/config.json")).unwrap();
        for weights in [
            "dit_tiny",
            "dit_sharded",
            "dit_comfy/wan_tiny_fp16.safetensors",
        ] {
            let files = WeightFiles::open(fixture(weights)).unwrap();
            check_dit(&dit, &files).unwrap_or_else(|e| panic!("{weights}: {e}"));
        }
        // fp8-scaled: the scales are not weights.
        let files =
            WeightFiles::open(fixture("dit_comfy/wan_tiny_fp8_scaled.safetensors")).unwrap();
        check_dit(&dit, &files).unwrap();

        for vae in ["vae_2_1_tiny", "vae_2_2_tiny"] {
            let config = VaeConfig::load(fixture(&format!("{vae}/config.json"))).unwrap();
            let files = WeightFiles::open(fixture(vae)).unwrap();
            check_vae(&config, &files).unwrap_or_else(|e| panic!("{vae}: {e}"));
        }
        let t5 = T5Config::load(fixture("t5_tiny/config.json")).unwrap();
        check_t5(&t5, &WeightFiles::open(fixture("t5_tiny")).unwrap()).unwrap();
    }

    #[test]
    fn a_file_of_another_model_is_reported() {
        let vae = VaeConfig::load(fixture("vae_2_1_tiny/config.json")).unwrap();
        let files = WeightFiles::open(fixture("dit_tiny")).unwrap();
        match check_vae(&vae, &files) {
            Err(LoadError::Mismatch { report, .. }) => {
                assert!(report.missing.iter().any(|n| n == "decoder.conv_in.weight"));
                assert!(report.unexpected.iter().any(|n| n == "proj_out.weight"));
            }
            other => panic!("expected a mismatch, got {other:?}"),
        }
        // The 2.1 VAE's weights are mis-shaped for the 2.2 config.
        let v22 = VaeConfig::load(fixture("vae_2_2_tiny/config.json")).unwrap();
        let files = WeightFiles::open(fixture("vae_2_1_tiny")).unwrap();
        assert!(check_vae(&v22, &files).is_err());
    }

    #[test]
    fn real_sizes_count_their_parameters() {
        // Wan2.1 T2V 1.3B: about 1.4 billion parameters.
        let params: usize = dit_tensors(&DitConfig::wan21_t2v_1_3b())
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        assert!((1_300_000_000..1_500_000_000).contains(&params), "{params}");
        // Building the real-size VAE lazily costs nothing.
        let started = std::time::Instant::now();
        let vae = vae_tensors(&VaeConfig::wan22());
        assert!(vae.len() > 100, "{}", vae.len());
        assert!(started.elapsed().as_secs() < 5);
    }
}
