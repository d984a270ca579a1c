//! Factorised 3-D rotary position embedding: the head's channels split into time, height and
//! width parts (height = width = `2 * (head_dim / 6)`, time the rest), each rotating pairs of
//! channels by its own axis position, as diffusers' `WanRotaryPosEmbed`.

use burn::prelude::*;
use burn::tensor::TensorData;

/// RoPE tables for one (frames, height, width) token grid.
#[derive(Debug, Clone)]
pub struct Rope3d {
    /// cos of each position's angle per channel pair: [1, S, 1, D/2, 1].
    cos: Tensor<5>,
    /// sin of the same: [1, S, 1, D/2, 1].
    sin: Tensor<5>,
}

/// (t, h, w) channel split of a head.
pub fn axis_dims(head_dim: usize) -> [usize; 3] {
    let hw = 2 * (head_dim / 6);
    [head_dim - 2 * hw, hw, hw]
}

impl Rope3d {
    /// Tables for a grid of `grid = [frames, height, width]` patches, flattened t-major as the
    /// tokens are. Angles in f64, as diffusers computes them, then f32.
    pub fn new(head_dim: usize, grid: [usize; 3], max_seq_len: usize, device: &Device) -> Self {
        assert!(
            grid.iter().all(|&n| n <= max_seq_len),
            "token grid {grid:?} beyond rope_max_seq_len {max_seq_len}"
        );
        let theta = 10000.0f64;
        // Per axis: the inverse frequencies of its pairs.
        let freqs: Vec<Vec<f64>> = axis_dims(head_dim)
            .iter()
            .map(|&d| {
                (0..d / 2)
                    .map(|j| 1.0 / theta.powf((2 * j) as f64 / d as f64))
                    .collect()
            })
            .collect();
        let [f, h, w] = grid;
        let pairs = head_dim / 2;
        let mut cos = Vec::with_capacity(f * h * w * pairs);
        let mut sin = Vec::with_capacity(f * h * w * pairs);
        for t in 0..f {
            for y in 0..h {
                for x in 0..w {
                    for (axis, pos) in [t, y, x].into_iter().enumerate() {
                        for freq in &freqs[axis] {
                            let angle = pos as f64 * freq;
                            cos.push(angle.cos() as f32);
                            sin.push(angle.sin() as f32);
                        }
                    }
                }
            }
        }
        let shape = [1, f * h * w, 1, pairs, 1];
        Self {
            cos: Tensor::from_data(TensorData::new(cos, shape), device),
            sin: Tensor::from_data(TensorData::new(sin, shape), device),
        }
    }

    /// Rotates `x` [B, S, H, D]: each channel pair (2i, 2i+1) as a complex number times
    /// e^(i angle).
    pub fn apply(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, s, h, d] = x.dims();
        let pairs = x.reshape([b, s, h, d / 2, 2]);
        let re = pairs.clone().narrow(4, 0, 1);
        let im = pairs.narrow(4, 1, 1);
        let out_re = re.clone() * self.cos.clone() - im.clone() * self.sin.clone();
        let out_im = re * self.sin.clone() + im * self.cos.clone();
        Tensor::cat(vec![out_re, out_im], 4).reshape([b, s, h, d])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_diffusers() {
        assert_eq!(axis_dims(128), [44, 42, 42]);
        assert_eq!(axis_dims(16), [8, 4, 4]);
    }

    #[test]
    fn rotates_pairs_by_position() {
        let device = Device::flex();
        // head_dim 6: t 2, h 2, w 2 channels, one pair each, frequency 1.
        let rope = Rope3d::new(6, [1, 2, 3], 16, &device);
        let x = Tensor::<4>::ones([1, 6, 1, 6], &device);
        let y: Vec<f32> = rope.apply(x).into_data().try_to_vec::<f32>().unwrap();
        // token (t 0, y 1, x 2): pairs rotated by 0, 1 and 2 radians.
        let token = &y[5 * 6..6 * 6];
        for (pair, angle) in [0.0f32, 1.0, 2.0].into_iter().enumerate() {
            let (re, im) = (token[2 * pair], token[2 * pair + 1]);
            assert!((re - (angle.cos() - angle.sin())).abs() < 1e-6);
            assert!((im - (angle.sin() + angle.cos())).abs() < 1e-6);
        }
    }
}
