//! Setting the decoder's parameters from a TAEHV file, asked for by the reference's state-dict
//! names: the decoder is an `nn.Sequential`, so a layer is named by its index,
//!
//! ```text
//! decoder.0  Clamp            decoder.3 + 6s .. 5 + 6s  MemBlocks (conv.0, conv.2, conv.4)
//! decoder.1  conv (bias)      decoder.6 + 6s            Upsample
//! decoder.2  ReLU             decoder.7 + 6s            TGrow (conv, no bias)
//!                             decoder.8 + 6s            conv (no bias)
//! decoder.21 ReLU             decoder.22                conv (bias)
//! ```
//!
//! for the stages s = 0, 1, 2.

use burn::module::Param;
use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::TensorData;

use super::blocks::{MemBlock, TGrow};
use super::decoder::{Stage, TaehvDecoder, BLOCKS_PER_STAGE};
use crate::weights::{LoadError, WeightFiles, Weights};

/// Index of the first layer of stage `s` in `decoder.N`.
fn stage_start(s: usize) -> usize {
    3 + s * (BLOCKS_PER_STAGE + 3)
}

/// Walks the decoder, asking for each tensor by its reference name.
pub(crate) struct Loader<'f> {
    files: &'f WeightFiles,
    w: Weights<'f>,
}

impl<'f> Loader<'f> {
    /// A loader over `files`, whose names are the reference's.
    pub fn new(files: &'f WeightFiles) -> Self {
        Self {
            files,
            w: Weights::translated(files, &|name| Some(name.to_owned())),
        }
    }

    fn conv(&mut self, conv: &mut Conv2d, prefix: &str) {
        self.w.param(&mut conv.weight, &format!("{prefix}.weight"));
        if let Some(bias) = conv.bias.as_mut() {
            self.w.param(bias, &format!("{prefix}.bias"));
        }
    }

    fn memblock(&mut self, block: &mut MemBlock, prefix: &str) {
        self.conv(&mut block.conv0, &format!("{prefix}.conv.0"));
        self.conv(&mut block.conv1, &format!("{prefix}.conv.2"));
        self.conv(&mut block.conv2, &format!("{prefix}.conv.4"));
    }

    /// A TGrow's 1x1 conv. A file may hold more output channels than the stride needs (a
    /// layer trained to grow time, used here at stride 1): as the reference's
    /// `patch_tgrow_layers`, the last ones (the last time step's) are kept.
    fn grow(&mut self, grow: &mut TGrow, prefix: &str) {
        let name = format!("{prefix}.conv.weight");
        let expected = grow.conv.weight.lazy_shape().to_vec();
        let stored = self
            .files
            .files()
            .iter()
            .find_map(|f| f.shape(&name))
            .map(<[usize]>::to_vec);
        match stored {
            Some(shape)
                if shape.len() == 4 && shape[1..] == expected[1..] && shape[0] > expected[0] =>
            {
                if let Some(values) = self.w.values(&name, &shape) {
                    let row: usize = shape[1..].iter().product();
                    let keep = values[(shape[0] - expected[0]) * row..].to_vec();
                    let device = grow.conv.weight.lazy_device();
                    grow.conv.weight = Param::from_tensor(Tensor::from_data(
                        TensorData::new(keep, expected),
                        &device,
                    ));
                }
            }
            _ => self.w.param(&mut grow.conv.weight, &name),
        }
    }

    fn stage(&mut self, stage: &mut Stage, s: usize) {
        let start = stage_start(s);
        for (b, block) in stage.blocks.iter_mut().enumerate() {
            self.memblock(block, &format!("decoder.{}", start + b));
        }
        // start + BLOCKS_PER_STAGE is the Upsample (no parameters).
        self.grow(
            &mut stage.grow,
            &format!("decoder.{}", start + BLOCKS_PER_STAGE + 1),
        );
        self.conv(
            &mut stage.proj,
            &format!("decoder.{}", start + BLOCKS_PER_STAGE + 2),
        );
    }

    /// Every tensor of `decoder`; the report of what did not fit otherwise. The file's
    /// encoder (`encoder.N...`) is accepted unread: previews only decode.
    pub fn decoder(mut self, decoder: &mut TaehvDecoder) -> Result<(), LoadError> {
        self.conv(&mut decoder.conv_in, "decoder.1");
        for (s, stage) in decoder.stages.iter_mut().enumerate() {
            self.stage(stage, s);
        }
        // After the last stage: a ReLU, then the output conv.
        let out = stage_start(decoder.stages.len()) + 1;
        self.conv(&mut decoder.conv_out, &format!("decoder.{out}"));

        // Marking the encoder's tensors as seen (at their own shapes, without reading them)
        // keeps them out of the "unexpected" list, which is for tensors of another model.
        for file in self.files.files() {
            for name in file.names() {
                if name.starts_with("encoder.") {
                    if let Some(shape) = file.shape(&name) {
                        let shape = shape.to_vec();
                        self.w.check_shape(&name, &shape);
                    }
                }
            }
        }
        self.w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_start_where_the_reference_puts_them() {
        assert_eq!(stage_start(0), 3);
        assert_eq!(stage_start(1), 9);
        assert_eq!(stage_start(2), 15);
        // The output conv after the ReLU that follows stage 2.
        assert_eq!(stage_start(3) + 1, 22);
    }
}
