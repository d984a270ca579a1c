//! The checking tool's components: run one piece of the engine on tensors from a file, in the
//! reference's tensor names, so anyone can compare it with diffusers on fixtures of their own
//! (`motionboard-models run --component ...`).

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::TensorData;

use crate::scheduler::{FlowSchedulerConfig, SchedulerError};
use crate::tensor_io::{HostTensor, TensorFile, TensorFileError};

mod t5;
mod vae;
pub use t5::run_t5;
pub use vae::run_vae;

/// An error from a checking-tool run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The scheduler config or schedule is unusable.
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    /// A tensor file is unreadable or lacks a tensor.
    #[error(transparent)]
    Tensors(#[from] TensorFileError),
    /// The inputs do not fit together.
    #[error("{0}")]
    Input(String),
}

/// The scheduler component: walks the whole schedule with the given per-step model outputs.
///
/// Inputs (diffusers' names): `sample` (the starting noise, rank 1 to 5), `model_outputs`
/// `[S, ...sample shape]`, `num_inference_steps` (one-element int). Optional: `sigmas` (a custom
/// schedule, as `set_timesteps(sigmas=...)`, instead of `num_inference_steps`) and
/// `begin_index` (one-element int, as `set_begin_index`), in which case S = steps - begin.
///
/// Outputs: `prev_samples` `[S, ...]` (the sample after each step), and, to check the
/// schedule, `timesteps` `[steps]` and `schedule_sigmas` `[steps + 1]`.
pub fn run_scheduler(
    config: &FlowSchedulerConfig,
    inputs: &TensorFile,
    device: &Device,
) -> Result<BTreeMap<String, HostTensor>, CheckError> {
    let sample = inputs.f32("sample")?;
    let model_outputs = inputs.f32("model_outputs")?;
    let rank = sample.shape.len();
    if rank == 0 || rank > 5 {
        return Err(CheckError::Input(format!(
            "`sample` must have 1 to 5 dimensions, it has shape {:?}",
            sample.shape
        )));
    }
    if model_outputs.shape.len() != rank + 1 || model_outputs.shape[1..] != sample.shape[..] {
        return Err(CheckError::Input(format!(
            "`model_outputs` must be [S, {}] (one model output per step), it is {:?}",
            dims(&sample.shape),
            model_outputs.shape
        )));
    }

    let mut sampler = if inputs.contains("sigmas") {
        config.sampler_from_sigmas::<5>(&inputs.f32("sigmas")?.values)?
    } else {
        let steps = one_int(inputs, "num_inference_steps")?;
        let steps = usize::try_from(steps).map_err(|_| {
            CheckError::Input(format!(
                "`num_inference_steps` must be positive, it is {steps}"
            ))
        })?;
        config.sampler::<5>(steps)?
    };
    let steps = sampler.timesteps().len();
    let begin = if inputs.contains("begin_index") {
        let begin = one_int(inputs, "begin_index")?;
        let begin = usize::try_from(begin)
            .map_err(|_| CheckError::Input(format!("`begin_index` {begin} is negative")))?;
        sampler.set_begin_index(begin)?;
        begin
    } else {
        0
    };
    let taken = model_outputs.shape[0];
    if taken != steps - begin {
        return Err(CheckError::Input(format!(
            "`model_outputs` has {taken} steps, but the schedule has {} from step {begin}",
            steps - begin
        )));
    }

    // Every sampler works on [B, C, F, H, W]: lower ranks get leading ones.
    let mut shape5 = [1usize; 5];
    shape5[5 - rank..].copy_from_slice(&sample.shape);
    let upload =
        |values: &[f32]| Tensor::<5>::from_data(TensorData::new(values.to_vec(), shape5), device);

    let numel = sample.values.len();
    let mut x = upload(&sample.values);
    let mut prev_samples = Vec::with_capacity(taken * numel);
    for step in 0..taken {
        let output = upload(&model_outputs.values[step * numel..(step + 1) * numel]);
        x = sampler.step(output, x);
        let host = x.clone().try_into_vec_as::<f32>().map_err(|e| {
            CheckError::Input(format!(
                "reading the sample back from the device failed: {e:?}"
            ))
        })?;
        prev_samples.extend(host);
    }

    let mut out = BTreeMap::new();
    out.insert(
        "prev_samples".to_owned(),
        HostTensor::new(model_outputs.shape.clone(), prev_samples),
    );
    out.insert(
        "timesteps".to_owned(),
        HostTensor::new(vec![steps], sampler.timesteps().to_vec()),
    );
    out.insert(
        "schedule_sigmas".to_owned(),
        HostTensor::new(vec![steps + 1], sampler.sigmas().to_vec()),
    );
    Ok(out)
}

fn one_int(inputs: &TensorFile, name: &str) -> Result<i64, CheckError> {
    match inputs.i64(name)?[..] {
        [value] => Ok(value),
        ref other => Err(CheckError::Input(format!(
            "`{name}` must hold exactly one integer, it holds {}",
            other.len()
        ))),
    }
}

fn dims(shape: &[usize]) -> String {
    shape
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The DiT component: one forward of the Wan transformer.
///
/// Inputs (diffusers' names): `hidden_states` `[B, C, F, H, W]`, `timestep` `[B]` (or
/// `[B, tokens]`, one per token as Wan2.2 TI2V), `encoder_hidden_states` `[B, L, text_dim]`.
/// Output: `sample` `[B, C_out, F, H, W]`.
pub fn run_dit(
    model: &crate::wan::dit::WanDit,
    inputs: &TensorFile,
    device: &Device,
) -> Result<BTreeMap<String, HostTensor>, CheckError> {
    let latents = inputs.f32("hidden_states")?;
    let timestep = inputs.f32("timestep")?;
    let text = inputs.f32("encoder_hidden_states")?;
    let (Ok(l_shape), Ok(x_shape)) = (
        <[usize; 5]>::try_from(latents.shape.clone()),
        <[usize; 3]>::try_from(text.shape.clone()),
    ) else {
        return Err(CheckError::Input(format!(
            "`hidden_states` must be [B, C, F, H, W] and `encoder_hidden_states` [B, L, D]; \
             they are {:?} and {:?}",
            latents.shape, text.shape
        )));
    };
    let t_shape = match timestep.shape[..] {
        [b] => [b, 1],
        [b, t] => [b, t],
        _ => {
            return Err(CheckError::Input(format!(
                "`timestep` must be [B] or [B, tokens], it is {:?}",
                timestep.shape
            )))
        }
    };
    if t_shape[0] != l_shape[0] || x_shape[0] != l_shape[0] {
        return Err(CheckError::Input(
            "batch sizes differ between the inputs".into(),
        ));
    }
    let sample = model.forward(
        Tensor::from_data(TensorData::new(latents.values, l_shape), device),
        // f32 whatever the compute dtype, as the pipeline passes it.
        Tensor::from_data(
            TensorData::new(timestep.values, t_shape),
            (device, burn::tensor::DType::F32),
        ),
        Tensor::from_data(TensorData::new(text.values, x_shape), device),
    );
    let shape = sample.dims().to_vec();
    let values = sample
        .into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| CheckError::Input(format!("reading the output back: {e:?}")))?;
    Ok(BTreeMap::from([(
        "sample".to_owned(),
        HostTensor::new(shape, values),
    )]))
}
