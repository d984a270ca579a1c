//! The original Wan / ComfyUI single-file VAE tensor names (`Wan2.1_VAE.pth`,
//! `wan_2.1_vae.safetensors`, `Wan2.2_VAE.pth`, `wan2.2_vae.safetensors`) in diffusers' names,
//! as diffusers' `scripts/convert_wan_to_diffusers.py` converts them (`convert_vae` for Wan2.1,
//! `convert_vae_22` for Wan2.2).
//!
//! The original modules are `nn.Sequential`s: a residual block is `residual.{0: norm, 2: conv,
//! 3: norm, 6: conv}` + `shortcut`; the middle is `middle.{0: resnet, 1: attention, 2: resnet}`;
//! the head `head.{0: norm, 2: conv}`. Wan2.1 lists the encoder's and decoder's layers flat
//! (`encoder.downsamples.N`, `decoder.upsamples.N`), Wan2.2 nests them per level
//! (`encoder.downsamples.L.downsamples.N`, `decoder.upsamples.L.upsamples.N`).

/// Residual blocks per Wan2.1 decoder level (num_res_blocks + 1) plus its up-sampler: the flat
/// `decoder.upsamples.N` index is `level * 4 + position`, as in every released Wan2.1 VAE
/// (num_res_blocks = 2).
const WAN21_DECODER_STRIDE: usize = 4;

/// The diffusers name of an original Wan VAE tensor name; `None` for a name that is not one.
pub fn original_to_diffusers(name: &str) -> Option<String> {
    match name {
        "conv1.weight" | "conv1.bias" => return Some(format!("quant_conv.{}", leaf(name)?)),
        "conv2.weight" | "conv2.bias" => return Some(format!("post_quant_conv.{}", leaf(name)?)),
        _ => {}
    }
    let (side, rest) = name.split_once('.')?;
    if side != "encoder" && side != "decoder" {
        return None;
    }
    let (part, rest) = rest.split_once('.')?;
    let mapped = match part {
        "conv1" => format!("conv_in.{}", param(rest)?),
        "head" => match rest.split_once('.')? {
            ("0", "gamma") => "norm_out.gamma".to_owned(),
            ("2", p) => format!("conv_out.{}", param(p)?),
            _ => return None,
        },
        "middle" => match rest.split_once('.')? {
            ("0", tail) => format!("mid_block.resnets.0.{}", residual(tail)?),
            ("1", tail) => format!("mid_block.attentions.0.{}", attention(tail)?),
            ("2", tail) => format!("mid_block.resnets.1.{}", residual(tail)?),
            _ => return None,
        },
        "downsamples" if side == "encoder" => encoder_level(rest)?,
        "upsamples" if side == "decoder" => decoder_level(rest)?,
        _ => return None,
    };
    Some(format!("{side}.{mapped}"))
}

/// `weight` / `bias` of a `.weight` / `.bias` name.
fn leaf(name: &str) -> Option<&str> {
    name.rsplit_once('.').map(|(_, l)| l)
}

fn param(p: &str) -> Option<&str> {
    matches!(p, "weight" | "bias").then_some(p)
}

fn index(s: &str) -> Option<usize> {
    s.parse().ok()
}

/// A residual block's tensor: `residual.{0,2,3,6}...` / `shortcut...`.
fn residual(tail: &str) -> Option<String> {
    let (layer, p) = tail.rsplit_once('.')?;
    let new = match (layer, p) {
        ("residual.0", "gamma") => "norm1",
        ("residual.3", "gamma") => "norm2",
        ("residual.2", "weight" | "bias") => "conv1",
        ("residual.6", "weight" | "bias") => "conv2",
        ("shortcut", "weight" | "bias") => "conv_shortcut",
        _ => return None,
    };
    Some(format!("{new}.{p}"))
}

/// A resampler's tensor: `resample.1...` / `time_conv...` (same names in diffusers).
fn resample(tail: &str) -> Option<String> {
    let (layer, p) = tail.rsplit_once('.')?;
    matches!(layer, "resample.1" | "time_conv")
        .then(|| param(p).map(|p| format!("{layer}.{p}")))
        .flatten()
}

/// The middle attention's tensor (same names in diffusers).
fn attention(tail: &str) -> Option<String> {
    let (layer, p) = tail.rsplit_once('.')?;
    let ok = match layer {
        "norm" => p == "gamma",
        "to_qkv" | "proj" => param(p).is_some(),
        _ => false,
    };
    ok.then(|| tail.to_owned())
}

/// `encoder.downsamples.{rest}`: Wan2.2's `L.downsamples.N.tail` or Wan2.1's flat `N.tail`.
fn encoder_level(rest: &str) -> Option<String> {
    let (level, tail) = rest.split_once('.')?;
    let level = index(level)?;
    if let Some(nested) = tail.strip_prefix("downsamples.") {
        let (n, tail) = nested.split_once('.')?;
        let n = index(n)?;
        return match residual(tail) {
            Some(r) => Some(format!("down_blocks.{level}.resnets.{n}.{r}")),
            None => Some(format!(
                "down_blocks.{level}.downsampler.{}",
                resample(tail)?
            )),
        };
    }
    // Wan2.1: diffusers keeps the flat list.
    let mapped = residual(tail).or_else(|| resample(tail))?;
    Some(format!("down_blocks.{level}.{mapped}"))
}

/// `decoder.upsamples.{rest}`: Wan2.2's `L.upsamples.N.tail` or Wan2.1's flat `N.tail`.
fn decoder_level(rest: &str) -> Option<String> {
    let (k, tail) = rest.split_once('.')?;
    let k = index(k)?;
    if let Some(nested) = tail.strip_prefix("upsamples.") {
        let (n, tail) = nested.split_once('.')?;
        let n = index(n)?;
        return match residual(tail) {
            Some(r) => Some(format!("up_blocks.{k}.resnets.{n}.{r}")),
            None => Some(format!("up_blocks.{k}.upsampler.{}", resample(tail)?)),
        };
    }
    // Wan2.1: groups of (num_res_blocks + 1) resnets and an up-sampler per level.
    let (level, position) = (k / WAN21_DECODER_STRIDE, k % WAN21_DECODER_STRIDE);
    match residual(tail) {
        Some(r) if position < WAN21_DECODER_STRIDE - 1 => {
            Some(format!("up_blocks.{level}.resnets.{position}.{r}"))
        }
        None if position == WAN21_DECODER_STRIDE - 1 => Some(format!(
            "up_blocks.{level}.upsamplers.0.{}",
            resample(tail)?
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(name: &str) -> String {
        original_to_diffusers(name).unwrap_or_else(|| panic!("{name} not mapped"))
    }

    #[test]
    fn wan21_names() {
        for (original, diffusers) in [
            ("conv1.weight", "quant_conv.weight"),
            ("conv2.bias", "post_quant_conv.bias"),
            ("encoder.conv1.weight", "encoder.conv_in.weight"),
            ("decoder.conv1.bias", "decoder.conv_in.bias"),
            (
                "encoder.downsamples.0.residual.0.gamma",
                "encoder.down_blocks.0.norm1.gamma",
            ),
            (
                "encoder.downsamples.3.shortcut.weight",
                "encoder.down_blocks.3.conv_shortcut.weight",
            ),
            (
                "encoder.downsamples.5.resample.1.weight",
                "encoder.down_blocks.5.resample.1.weight",
            ),
            (
                "encoder.downsamples.5.time_conv.bias",
                "encoder.down_blocks.5.time_conv.bias",
            ),
            (
                "encoder.middle.0.residual.6.weight",
                "encoder.mid_block.resnets.0.conv2.weight",
            ),
            (
                "encoder.middle.1.to_qkv.weight",
                "encoder.mid_block.attentions.0.to_qkv.weight",
            ),
            (
                "decoder.middle.2.residual.3.gamma",
                "decoder.mid_block.resnets.1.norm2.gamma",
            ),
            (
                "decoder.middle.1.norm.gamma",
                "decoder.mid_block.attentions.0.norm.gamma",
            ),
            ("encoder.head.0.gamma", "encoder.norm_out.gamma"),
            ("decoder.head.2.weight", "decoder.conv_out.weight"),
            (
                "decoder.upsamples.0.residual.2.weight",
                "decoder.up_blocks.0.resnets.0.conv1.weight",
            ),
            (
                "decoder.upsamples.3.resample.1.bias",
                "decoder.up_blocks.0.upsamplers.0.resample.1.bias",
            ),
            (
                "decoder.upsamples.3.time_conv.weight",
                "decoder.up_blocks.0.upsamplers.0.time_conv.weight",
            ),
            (
                "decoder.upsamples.4.shortcut.weight",
                "decoder.up_blocks.1.resnets.0.conv_shortcut.weight",
            ),
            (
                "decoder.upsamples.6.residual.6.bias",
                "decoder.up_blocks.1.resnets.2.conv2.bias",
            ),
            (
                "decoder.upsamples.11.resample.1.weight",
                "decoder.up_blocks.2.upsamplers.0.resample.1.weight",
            ),
            (
                "decoder.upsamples.14.residual.0.gamma",
                "decoder.up_blocks.3.resnets.2.norm1.gamma",
            ),
        ] {
            assert_eq!(map(original), diffusers, "{original}");
        }
    }

    #[test]
    fn wan22_names() {
        for (original, diffusers) in [
            (
                "encoder.downsamples.0.downsamples.1.residual.2.weight",
                "encoder.down_blocks.0.resnets.1.conv1.weight",
            ),
            (
                "encoder.downsamples.1.downsamples.0.shortcut.bias",
                "encoder.down_blocks.1.resnets.0.conv_shortcut.bias",
            ),
            (
                "encoder.downsamples.1.downsamples.2.resample.1.weight",
                "encoder.down_blocks.1.downsampler.resample.1.weight",
            ),
            (
                "encoder.downsamples.2.downsamples.2.time_conv.bias",
                "encoder.down_blocks.2.downsampler.time_conv.bias",
            ),
            (
                "decoder.upsamples.0.upsamples.2.residual.3.gamma",
                "decoder.up_blocks.0.resnets.2.norm2.gamma",
            ),
            (
                "decoder.upsamples.1.upsamples.3.time_conv.weight",
                "decoder.up_blocks.1.upsampler.time_conv.weight",
            ),
            (
                "decoder.upsamples.2.upsamples.3.resample.1.bias",
                "decoder.up_blocks.2.upsampler.resample.1.bias",
            ),
        ] {
            assert_eq!(map(original), diffusers, "{original}");
        }
    }

    #[test]
    fn other_names_are_not_mapped() {
        for name in [
            "model.diffusion_model.blocks.0.ffn.0.weight",
            "encoder.conv1.gamma",
            "encoder.head.1.weight",
            "encoder.middle.3.residual.0.gamma",
            "decoder.upsamples.3.residual.0.gamma",
            "decoder.upsamples.2.resample.1.weight",
            "encoder.downsamples.x.residual.0.gamma",
            "conv3.weight",
            "quant_conv.weight",
        ] {
            assert_eq!(original_to_diffusers(name), None, "{name}");
        }
    }
}
