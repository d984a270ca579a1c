//! TAEHV's building blocks. Frames travel as images `[N * T, C, H, W]` (batch-major: the T
//! frames of one clip are consecutive), as in the reference, so every conv is a 2-D conv and
//! time only enters through a MemBlock's memory and a TGrow.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::prelude::*;
use burn::tensor::activation::relu;

/// The reference's `Clamp`: a soft clamp of the latents to (-3, 3), `tanh(x / 3) * 3`.
pub fn soft_clamp<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.div_scalar(3.0).tanh().mul_scalar(3.0)
}

/// The reference's `conv`: 3x3, padding 1.
pub(crate) fn conv3x3(
    channels_in: usize,
    channels_out: usize,
    bias: bool,
    device: &Device,
) -> Conv2d {
    Conv2dConfig::new([channels_in, channels_out], [3, 3])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_bias(bias)
        .init(device)
}

/// A residual block that sees the current frame and, as memory, the previous frame's input to
/// this block: `relu(conv(cat[x_t, x_{t-1}]) + x_t)`, where `conv` is 3x3 (2C -> C), ReLU,
/// 3x3, ReLU, 3x3. Causal with one frame of memory; the first frame's memory is zeros.
///
/// The reference's MemBlock also has a 1x1 `skip` conv when its input and output widths
/// differ; the decoder's never do, so that case is not built.
#[derive(Module, Debug)]
pub struct MemBlock {
    /// `conv.0`: 2C -> C.
    pub conv0: Conv2d,
    /// `conv.2`: C -> C.
    pub conv1: Conv2d,
    /// `conv.4`: C -> C.
    pub conv2: Conv2d,
}

impl MemBlock {
    /// A block of `channels` channels (random weights).
    pub fn new(channels: usize, device: &Device) -> Self {
        Self {
            conv0: conv3x3(channels * 2, channels, true, device),
            conv1: conv3x3(channels, channels, true, device),
            conv2: conv3x3(channels, channels, true, device),
        }
    }

    /// `x` `[N * T, C, H, W]` (N clips of T frames) -> the same shape. `memory` is each clip's
    /// last input frame `[N, C, H, W]` from the previous chunk (None: the clip starts here) and
    /// is replaced by this chunk's last input frame.
    pub fn forward(&self, x: Tensor<4>, clips: usize, memory: &mut Option<Tensor<4>>) -> Tensor<4> {
        let [nt, c, h, w] = x.dims();
        let t = nt / clips;
        let frames = x.clone().reshape([clips, t, c, h, w]);
        // The memory of frame 0 comes from the previous chunk; frame k's is frame k-1's input.
        let first = match memory.take() {
            Some(last) => last.reshape([clips, 1, c, h, w]),
            // zeros_like keeps the input's dtype (f16 on a half-precision device).
            None => frames.clone().narrow(1, 0, 1).zeros_like(),
        };
        *memory = Some(frames.clone().narrow(1, t - 1, 1).reshape([clips, c, h, w]));
        let past = if t > 1 {
            Tensor::cat(vec![first, frames.narrow(1, 0, t - 1)], 1)
        } else {
            first
        }
        .reshape([nt, c, h, w]);

        let y = relu(self.conv0.forward(Tensor::cat(vec![x.clone(), past], 1)));
        let y = relu(self.conv1.forward(y));
        relu(self.conv2.forward(y) + x)
    }
}

/// The reference's `TGrow`: a 1x1 conv (C -> C * stride, no bias) whose output channel groups
/// become `stride` consecutive frames.
#[derive(Module, Debug)]
pub struct TGrow {
    /// `conv`: C -> C * stride, 1x1, no bias.
    pub conv: Conv2d,
    /// Frames out per frame in.
    #[module(skip)]
    pub stride: usize,
}

impl TGrow {
    /// A TGrow of `channels` channels multiplying the frames by `stride` (random weights).
    pub fn new(channels: usize, stride: usize, device: &Device) -> Self {
        let conv = Conv2dConfig::new([channels, channels * stride], [1, 1])
            .with_bias(false)
            .init(device);
        Self { conv, stride }
    }

    /// `[N * T, C, H, W]` -> `[N * T * stride, C, H, W]`: output frame `t * stride + k` is
    /// channel group k of frame t's conv output.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [nt, c, h, w] = x.dims();
        self.conv.forward(x).reshape([nt * self.stride, c, h, w])
    }
}

/// Nearest-neighbour 2x upsampling (`nn.Upsample(scale_factor=2)`): `[M, C, H, W]` ->
/// `[M, C, 2H, 2W]`, every pixel a 2x2 block.
pub fn upsample2x(x: Tensor<4>) -> Tensor<4> {
    let [m, c, h, w] = x.dims();
    x.reshape([m, c, h, 1, w, 1])
        .expand([m, c, h, 2, w, 2])
        .reshape([m, c, h * 2, w * 2])
}

/// PyTorch's `pixel_shuffle`: `[M, C * r * r, H, W]` -> `[M, C, H * r, W * r]`; input channel
/// `c * r * r + i * r + j` lands at row offset i, column offset j (row first, unlike Wan's
/// VAE patchify).
pub fn pixel_shuffle(x: Tensor<4>, r: usize) -> Tensor<4> {
    if r == 1 {
        return x;
    }
    let [m, crr, h, w] = x.dims();
    let c = crr / (r * r);
    // [M, C, i, j, H, W] -> [M, C, H, i, W, j]
    x.reshape([m, c, r, r, h, w])
        .permute([0, 1, 4, 2, 5, 3])
        .reshape([m, c, h * r, w * r])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Param;
    use burn::tensor::TensorData;

    fn host(x: Tensor<4>) -> Vec<f32> {
        x.into_data().try_into_vec_as::<f32>().unwrap()
    }

    #[test]
    fn soft_clamp_saturates_at_three() {
        let device = Device::flex();
        let x = Tensor::<1>::from_floats([0.0, 3.0, -100.0, 100.0], &device);
        let v: Vec<f32> = soft_clamp(x).into_data().try_into_vec_as::<f32>().unwrap();
        assert_eq!(v[0], 0.0);
        assert!((v[1] - 3.0 * 1f32.tanh()).abs() < 1e-6);
        assert!((v[2] + 3.0).abs() < 1e-5 && (v[3] - 3.0).abs() < 1e-5);
    }

    #[test]
    fn pixel_shuffle_is_row_offset_first() {
        let device = Device::flex();
        // One pixel, channels (i=0,j=0), (0,1), (1,0), (1,1) -> [[a, b], [c, d]].
        let x = Tensor::<4>::from_data(
            TensorData::new(vec![1.0, 2.0, 3.0, 4.0], [1, 4, 1, 1]),
            &device,
        );
        let y = pixel_shuffle(x, 2);
        assert_eq!(y.dims(), [1, 1, 2, 2]);
        assert_eq!(host(y), [1.0, 2.0, 3.0, 4.0]);
        // Two pixels in a row: each becomes its own 2x2 block.
        let x = Tensor::<4>::from_data(
            TensorData::new(vec![1.0, 5.0, 2.0, 6.0, 3.0, 7.0, 4.0, 8.0], [1, 4, 1, 2]),
            &device,
        );
        assert_eq!(
            host(pixel_shuffle(x, 2)),
            [1.0, 2.0, 5.0, 6.0, 3.0, 4.0, 7.0, 8.0]
        );
    }

    #[test]
    fn upsample_repeats_each_pixel_in_a_block() {
        let device = Device::flex();
        let x = Tensor::<4>::from_data(TensorData::new(vec![1.0, 2.0], [1, 1, 1, 2]), &device);
        let y = upsample2x(x);
        assert_eq!(y.dims(), [1, 1, 2, 4]);
        assert_eq!(host(y), [1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]);
    }

    #[test]
    fn tgrow_turns_channel_groups_into_consecutive_frames() {
        let device = Device::flex();
        let mut grow = TGrow::new(1, 2, &device);
        // Output channel 0 = 2x, channel 1 = -x.
        grow.conv.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![2.0, -1.0], [2, 1, 1, 1]),
            &device,
        ));
        // Two input frames of one pixel: 1 and 10.
        let x = Tensor::<4>::from_data(TensorData::new(vec![1.0, 10.0], [2, 1, 1, 1]), &device);
        assert_eq!(host(grow.forward(x)), [2.0, -1.0, 20.0, -10.0]);
    }

    #[test]
    fn memblock_chunks_carry_memory_exactly() {
        let device = Device::flex();
        let block = MemBlock::new(3, &device);
        let x = Tensor::<4>::random(
            [5, 3, 4, 4],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
        let whole = block.forward(x.clone(), 1, &mut None);
        let mut memory = None;
        let parts: Vec<Tensor<4>> = [(0, 2), (2, 1), (3, 2)]
            .into_iter()
            .map(|(start, len)| block.forward(x.clone().narrow(0, start, len), 1, &mut memory))
            .collect();
        let chunked = Tensor::cat(parts, 0);
        let diff: f32 = (whole.clone() - chunked).abs().max().into_scalar();
        assert!(diff < 1e-6, "chunked differs by {diff}");
        // And the memory matters: frame 1 alone (no memory) is not frame 1 after frame 0.
        let alone = block.forward(x.narrow(0, 1, 1), 1, &mut None);
        let diff: f32 = (whole.narrow(0, 1, 1) - alone).abs().max().into_scalar();
        assert!(diff > 1e-4, "the memory changed nothing");
    }
}
