//! The umT5 component of the checking tool: one forward of the text encoder.

use std::collections::BTreeMap;

use burn::prelude::*;
use burn::tensor::TensorData;

use super::CheckError;
use crate::t5::UmT5Encoder;
use crate::tensor_io::{HostTensor, TensorFile};

/// One forward of `UMT5EncoderModel`.
///
/// Inputs (transformers' names): `input_ids` and `attention_mask`, int64 (or int32) `[B, L]`.
/// Output: `last_hidden_state` `[B, L, d_model]`.
pub fn run_t5(
    model: &UmT5Encoder,
    inputs: &TensorFile,
    device: &Device,
) -> Result<BTreeMap<String, HostTensor>, CheckError> {
    let ids = inputs.i64("input_ids")?;
    let mask = inputs.i64("attention_mask")?;
    let shape = |name: &str| int_shape(inputs, name);
    let [b, l] = match shape("input_ids")?[..] {
        [b, l] => [b, l],
        ref other => {
            return Err(CheckError::Input(format!(
                "`input_ids` must be [B, L], it is {other:?}"
            )))
        }
    };
    let mask_shape = shape("attention_mask")?;
    if mask.len() != ids.len() || mask_shape != [b, l] {
        return Err(CheckError::Input(format!(
            "`attention_mask` must be [B, L] like `input_ids` ([{b}, {l}]), it is {mask_shape:?}"
        )));
    }
    let vocab = model.shared.weight.dims()[0];
    if let Some(bad) = ids.iter().find(|&&id| id < 0 || id as usize >= vocab) {
        return Err(CheckError::Input(format!(
            "`input_ids` holds {bad}, outside the vocabulary of {vocab} tokens"
        )));
    }
    if mask.chunks(l.max(1)).any(|row| row.iter().all(|&m| m == 0)) {
        return Err(CheckError::Input(
            "a row of `attention_mask` is all zeros: every sequence needs a token".into(),
        ));
    }
    let upload = |v: Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v, [b, l]), device);
    let hidden = model.forward(upload(ids), upload(mask));
    let shape = hidden.dims().to_vec();
    let values = hidden
        .into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| CheckError::Input(format!("reading the output back: {e:?}")))?;
    Ok(BTreeMap::from([(
        "last_hidden_state".to_owned(),
        HostTensor::new(shape, values),
    )]))
}

/// The shape of tensor `name` in `inputs`.
fn int_shape(inputs: &TensorFile, name: &str) -> Result<Vec<usize>, CheckError> {
    inputs.shape(name).map(<[usize]>::to_vec).ok_or_else(|| {
        CheckError::Input(format!(
            "{} has no tensor `{name}`",
            inputs.path().display()
        ))
    })
}
