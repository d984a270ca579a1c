//! Wan2.2's parameter-free shortcuts around its residual down/up blocks: `AvgDown3D` (average
//! groups of space-time neighbours folded into channels) and `DupUp3D` (its transpose: repeat
//! channels and unfold them into space-time).

use burn::prelude::*;

/// `AvgDown3D`: `[B, C_in, T, H, W] -> [B, C_out, ceil(T / ft), H / fs, W / fs]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvgDown3d {
    /// Output channels.
    pub out_channels: usize,
    /// Temporal factor (1 or 2).
    pub factor_t: usize,
    /// Spatial factor (1 or 2).
    pub factor_s: usize,
}

impl AvgDown3d {
    /// `[B, C_in, T, H, W] -> [B, C_out, T', H', W']`; T is padded with zero frames at the
    /// front to a multiple of `factor_t` (the first chunk of a clip has one frame).
    pub fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        let (ft, fs) = (self.factor_t, self.factor_s);
        let t = x.dims()[2];
        let pad = (ft - t % ft) % ft;
        let x = if pad > 0 {
            x.pad([(pad, 0), (0, 0), (0, 0)], 0.0)
        } else {
            x
        };
        let [b, c, t, h, w] = x.dims();
        let (t, h, w) = (t / ft, h / fs, w / fs);
        let group = c * ft * fs * fs / self.out_channels;
        // [B, C, T', ft, H', fs, W', fs] -> [B, C, ft, fs, fs, T', H', W']
        x.reshape([b, c, t, ft, h, fs, w, fs])
            .permute([0, 1, 3, 5, 7, 2, 4, 6])
            .reshape([b, self.out_channels, group, t, h, w])
            .mean_dim(2)
            .reshape([b, self.out_channels, t, h, w])
    }
}

/// `DupUp3D`: `[B, C_in, T, H, W] -> [B, C_out, T * ft, H * fs, W * fs]` (minus the first
/// `ft - 1` frames on a clip's first chunk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DupUp3d {
    /// Output channels.
    pub out_channels: usize,
    /// Temporal factor (1 or 2).
    pub factor_t: usize,
    /// Spatial factor (2).
    pub factor_s: usize,
}

impl DupUp3d {
    /// `x` [B, C_in, T, H, W]; `first_chunk` drops the frames the main path does not make.
    pub fn forward(&self, x: Tensor<5>, first_chunk: bool) -> Tensor<5> {
        let (ft, fs) = (self.factor_t, self.factor_s);
        let [b, c, t, h, w] = x.dims();
        let repeats = self.out_channels * ft * fs * fs / c;
        // repeat_interleave over channels: channel k * repeats + r is input channel k.
        let x = x
            .reshape([b, c, 1, t, h, w])
            .expand([b, c, repeats, t, h, w])
            .reshape([b, self.out_channels, ft, fs, fs, t, h, w])
            // -> [B, C_out, T, ft, H, fs, W, fs]
            .permute([0, 1, 5, 2, 6, 3, 7, 4])
            .reshape([b, self.out_channels, t * ft, h * fs, w * fs]);
        if first_chunk && ft > 1 {
            x.narrow(2, ft - 1, t * ft - (ft - 1))
        } else {
            x
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avg_down_averages_space_time_groups() {
        let device = Device::flex();
        // One channel, 2 frames of 2x2: everything folds into 8 channels, averaged in pairs
        // into 4 outputs.
        let x = Tensor::<5>::from_floats(
            [[[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]]],
            &device,
        );
        let down = AvgDown3d {
            out_channels: 4,
            factor_t: 2,
            factor_s: 2,
        };
        let y: Vec<f32> = down.forward(x).into_data().try_to_vec::<f32>().unwrap();
        // Folded channel order (ft, fs_h, fs_w): 1,2,3,4,5,6,7,8 -> pairs (1,2),(3,4),...
        assert_eq!(y, [1.5, 3.5, 5.5, 7.5]);
    }

    #[test]
    fn dup_up_repeats_and_drops_first_frame() {
        let device = Device::flex();
        let x = Tensor::<5>::from_floats([[[[[1.0]]], [[[2.0]]]]], &device);
        let up = DupUp3d {
            out_channels: 1,
            factor_t: 2,
            factor_s: 2,
        };
        assert_eq!(up.forward(x.clone(), false).dims(), [1, 1, 2, 2, 2]);
        let first: Vec<f32> = up.forward(x, true).into_data().try_to_vec::<f32>().unwrap();
        // 2 channels x 4 repeats unfold into 2 frames of 2x2: frame 0 from channel 0, frame 1
        // from channel 1; the first chunk keeps frame 1 only.
        assert_eq!(first, [2.0, 2.0, 2.0, 2.0]);
    }
}
