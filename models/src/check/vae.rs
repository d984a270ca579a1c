//! The VAE component of the checking tool: encode a clip, then decode its latent.

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::TensorData;

use super::CheckError;
use crate::tensor_io::{HostTensor, TensorFile};
use crate::wan::vae::WanVae;

/// Encode and decode with the Wan VAE (diffusers' `AutoencoderKLWan`).
///
/// Input: `sample` `[B, 3, F, H, W]` in [-1, 1] (H, W multiples of the spatial factor, 8 or
/// 16). Outputs: `latent` `[B, z, 1 + (F - 1) / 4, H / s, W / s]` (the posterior mean,
/// `vae.encode(sample).latent_dist.mean`) and `decoded` (`vae.decode(latent).sample`, clamped
/// to [-1, 1]).
pub fn run_vae(
    model: &WanVae,
    inputs: &TensorFile,
    device: &Device,
) -> Result<BTreeMap<String, HostTensor>, CheckError> {
    let sample = inputs.f32("sample")?;
    let config = model.config();
    let Ok(shape) = <[usize; 5]>::try_from(sample.shape.clone()) else {
        return Err(CheckError::Input(format!(
            "`sample` must be a video [B, C, F, H, W], it is {:?}",
            sample.shape
        )));
    };
    let [b, c, f, h, w] = shape;
    let s = config.spatial_factor();
    if b == 0
        || f == 0
        || c != config.video_channels()
        || h == 0
        || h % s != 0
        || w % s != 0
        || w == 0
    {
        return Err(CheckError::Input(format!(
            "`sample` must be [B, {}, F, H, W] with at least one frame and H, W positive \
             multiples of {s}; it is {:?}",
            config.video_channels(),
            sample.shape
        )));
    }
    let video = Tensor::<5>::from_data(TensorData::new(sample.values, shape), device);
    let latent = model.encode(video);
    let decoded = model.decode(latent.clone());
    Ok(BTreeMap::from([
        ("latent".to_owned(), host(latent)?),
        ("decoded".to_owned(), host(decoded)?),
    ]))
}

fn host(t: Tensor<5>) -> Result<HostTensor, CheckError> {
    let shape = t.dims().to_vec();
    let values = t
        .into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| CheckError::Input(format!("reading the output back: {e:?}")))?;
    Ok(HostTensor::new(shape, values))
}
