//! Setting the VAE's parameters, asked for by their diffusers tensor names (the weights
//! translate the original Wan / ComfyUI names).

use burn::module::Param;
use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::TensorData;

use super::attention::AttentionBlock;
use super::blocks::{MidBlock, ResidualBlock};
use super::causal_conv::CausalConv3d;
use super::decoder::Decoder;
use super::encoder::Encoder;
use super::model::WanVae;
use super::norm::ChannelRmsNorm;
use super::resample::Resample;
use crate::weights::Weights;

/// Walks the module tree, asking for each tensor by its diffusers name.
pub(crate) struct Loader<'a, 'f> {
    pub w: &'a mut Weights<'f>,
}

impl Loader<'_, '_> {
    fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        self.w.param(param, name);
    }

    fn conv3d(&mut self, conv: &mut CausalConv3d, prefix: &str) {
        self.param(&mut conv.conv.weight, &format!("{prefix}.weight"));
        if let Some(bias) = conv.conv.bias.as_mut() {
            self.param(bias, &format!("{prefix}.bias"));
        }
    }

    fn conv2d(&mut self, conv: &mut Conv2d, prefix: &str) {
        self.param(&mut conv.weight, &format!("{prefix}.weight"));
        if let Some(bias) = conv.bias.as_mut() {
            self.param(bias, &format!("{prefix}.bias"));
        }
    }

    /// A gamma stored as [C, 1, 1, 1] (videos) or [C, 1, 1] (the attention's images).
    fn gamma(&mut self, norm: &mut ChannelRmsNorm, name: &str, torch_rank: usize) {
        let channels = norm.channels();
        let mut shape = vec![1; torch_rank];
        shape[0] = channels;
        if let Some(values) = self.w.values(name, &shape) {
            let device = norm.gamma.lazy_device();
            norm.gamma = Param::from_tensor(Tensor::from_data(
                TensorData::new(values, [channels]),
                &device,
            ));
        }
    }

    fn residual(&mut self, block: &mut ResidualBlock, prefix: &str) {
        self.gamma(&mut block.norm1, &format!("{prefix}.norm1.gamma"), 4);
        self.conv3d(&mut block.conv1, &format!("{prefix}.conv1"));
        self.gamma(&mut block.norm2, &format!("{prefix}.norm2.gamma"), 4);
        self.conv3d(&mut block.conv2, &format!("{prefix}.conv2"));
        if let Some(shortcut) = block.conv_shortcut.as_mut() {
            self.conv3d(shortcut, &format!("{prefix}.conv_shortcut"));
        }
    }

    fn resample(&mut self, resample: &mut Resample, prefix: &str) {
        self.conv2d(&mut resample.conv, &format!("{prefix}.resample.1"));
        if let Some(time_conv) = resample.time_conv.as_mut() {
            self.conv3d(time_conv, &format!("{prefix}.time_conv"));
        }
    }

    fn attention(&mut self, attn: &mut AttentionBlock, prefix: &str) {
        self.gamma(&mut attn.norm, &format!("{prefix}.norm.gamma"), 3);
        self.conv2d(&mut attn.to_qkv, &format!("{prefix}.to_qkv"));
        self.conv2d(&mut attn.proj, &format!("{prefix}.proj"));
    }

    fn mid(&mut self, mid: &mut MidBlock, prefix: &str) {
        for (i, resnet) in mid.resnets.iter_mut().enumerate() {
            self.residual(resnet, &format!("{prefix}.resnets.{i}"));
        }
        self.attention(&mut mid.attention, &format!("{prefix}.attentions.0"));
    }

    /// Wan2.1 (`residual` false) lists the levels' layers flat in `down_blocks`; Wan2.2 nests
    /// them as `down_blocks.{level}.resnets.{j}` / `.downsampler`.
    fn encoder(&mut self, encoder: &mut Encoder, residual: bool) {
        self.conv3d(&mut encoder.conv_in, "encoder.conv_in");
        let mut flat = 0;
        for (i, block) in encoder.down_blocks.iter_mut().enumerate() {
            for (j, resnet) in block.resnets.iter_mut().enumerate() {
                let prefix = if residual {
                    format!("encoder.down_blocks.{i}.resnets.{j}")
                } else {
                    flat += 1;
                    format!("encoder.down_blocks.{}", flat - 1)
                };
                self.residual(resnet, &prefix);
            }
            if let Some(down) = block.downsampler.as_mut() {
                let prefix = if residual {
                    format!("encoder.down_blocks.{i}.downsampler")
                } else {
                    flat += 1;
                    format!("encoder.down_blocks.{}", flat - 1)
                };
                self.resample(down, &prefix);
            }
        }
        self.mid(&mut encoder.mid_block, "encoder.mid_block");
        self.gamma(&mut encoder.norm_out, "encoder.norm_out.gamma", 4);
        self.conv3d(&mut encoder.conv_out, "encoder.conv_out");
    }

    /// Wan2.1 names the up-sampler `upsamplers.0`, Wan2.2 `upsampler`.
    fn decoder(&mut self, decoder: &mut Decoder, residual: bool) {
        self.conv3d(&mut decoder.conv_in, "decoder.conv_in");
        self.mid(&mut decoder.mid_block, "decoder.mid_block");
        for (i, block) in decoder.up_blocks.iter_mut().enumerate() {
            for (j, resnet) in block.resnets.iter_mut().enumerate() {
                self.residual(resnet, &format!("decoder.up_blocks.{i}.resnets.{j}"));
            }
            if let Some(up) = block.upsampler.as_mut() {
                let prefix = if residual {
                    format!("decoder.up_blocks.{i}.upsampler")
                } else {
                    format!("decoder.up_blocks.{i}.upsamplers.0")
                };
                self.resample(up, &prefix);
            }
        }
        self.gamma(&mut decoder.norm_out, "decoder.norm_out.gamma", 4);
        self.conv3d(&mut decoder.conv_out, "decoder.conv_out");
    }

    /// Every tensor of `vae`.
    pub fn vae(&mut self, vae: &mut WanVae) {
        let residual = vae.config.is_residual;
        self.encoder(&mut vae.encoder, residual);
        self.conv3d(&mut vae.quant_conv, "quant_conv");
        self.conv3d(&mut vae.post_quant_conv, "post_quant_conv");
        self.decoder(&mut vae.decoder, residual);
    }
}
