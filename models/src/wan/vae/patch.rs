//! Wan2.2's spatial patchify: every `p x p` block of pixels becomes `p^2` channels before the
//! encoder, and back after the decoder (diffusers' `patchify` / `unpatchify`).

use burn::prelude::*;

/// `[B, C, F, H, W] -> [B, C * p * p, F, H / p, W / p]`; channel `c * p^2 + j * p + i` holds
/// the pixel at row offset `i` and column offset `j` (the reference's order: column first).
pub fn patchify(x: Tensor<5>, p: usize) -> Tensor<5> {
    if p == 1 {
        return x;
    }
    let [b, c, f, h, w] = x.dims();
    assert!(
        h % p == 0 && w % p == 0,
        "height {h} and width {w} must be multiples of the patch size {p}"
    );
    // [B, C, F, H', i, W', j] -> [B, C, j, i, F, H', W']
    x.reshape([b, c, f, h / p, p, w / p, p])
        .permute([0, 1, 6, 4, 2, 3, 5])
        .reshape([b, c * p * p, f, h / p, w / p])
}

/// The inverse of [`patchify`]: `[B, C * p * p, F, H, W] -> [B, C, F, H * p, W * p]`.
pub fn unpatchify(x: Tensor<5>, p: usize) -> Tensor<5> {
    if p == 1 {
        return x;
    }
    let [b, cpp, f, h, w] = x.dims();
    let c = cpp / (p * p);
    // [B, C, j, i, F, H, W] -> [B, C, F, H, i, W, j]
    x.reshape([b, c, p, p, f, h, w])
        .permute([0, 1, 4, 5, 3, 6, 2])
        .reshape([b, c, f, h * p, w * p])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    #[test]
    fn unpatchify_inverts_patchify() {
        let device = Device::flex();
        let x = Tensor::<5>::random([1, 3, 2, 4, 6], Distribution::Normal(0.0, 1.0), &device);
        let p = patchify(x.clone(), 2);
        assert_eq!(p.dims(), [1, 12, 2, 2, 3]);
        let diff: f32 = (unpatchify(p, 2) - x).abs().max().into_scalar();
        assert_eq!(diff, 0.0);
    }

    #[test]
    fn channel_order_is_column_offset_first() {
        let device = Device::flex();
        // One 2x2 image [[a, b], [c, d]]: channels are (i=0,j=0), (i=1,j=0), (i=0,j=1), (i=1,j=1).
        let x = Tensor::<5>::from_floats([[[[[1.0, 2.0], [3.0, 4.0]]]]], &device);
        let v: Vec<f32> = patchify(x, 2).into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(v, [1.0, 3.0, 2.0, 4.0]);
    }
}
