//! Bilinear sampling of the source picture in fixed point.
//!
//! The source is kept as one `u64` per pixel with R, G and B in 16-bit lanes (bits 0, 16, 32),
//! so one integer multiply blends all three channels. Weights have 8 fractional bits; each of
//! the two lerp stages rounds to nearest, so a sample at a whole pixel position returns that
//! pixel exactly. Positions outside the picture clamp to its edge.

use image::RgbImage;
use rayon::prelude::*;

const LANES: u64 = 0x0000_00ff_00ff_00ff;
const ROUND: u64 = 0x0000_0080_0080_0080;

/// The source picture, lane-packed, with one row plus two pixels of zero padding so the
/// 2x2 neighbourhood of any clamped position can be read without a branch.
#[derive(Debug, Clone)]
pub(crate) struct PackedSource {
    w: usize,
    h: usize,
    wmax: f32,
    hmax: f32,
    px: Vec<u64>,
}

#[inline(always)]
pub(crate) fn lerp(a: u64, b: u64, f: u64) -> u64 {
    // Each lane: a * (256 - f) + b * f <= 255 * 256, so lanes never carry into each other.
    ((a * (256 - f) + b * f + ROUND) >> 8) & LANES
}

impl PackedSource {
    pub(crate) fn new(img: &RgbImage) -> PackedSource {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut px = vec![0u64; w * h + w + 2];
        if w > 0 {
            px[..w * h]
                .par_chunks_mut(w)
                .zip(img.as_raw().par_chunks(w * 3))
                .for_each(|(dst, src)| {
                    for (d, s) in dst.iter_mut().zip(src.chunks_exact(3)) {
                        *d = pack([s[0], s[1], s[2]]);
                    }
                });
        }
        PackedSource {
            w,
            h,
            wmax: w.saturating_sub(1) as f32,
            hmax: h.saturating_sub(1) as f32,
            px,
        }
    }

    pub(crate) fn width(&self) -> usize {
        self.w
    }

    pub(crate) fn height(&self) -> usize {
        self.h
    }

    /// The largest pixel-index positions, `(w - 1, h - 1)`.
    pub(crate) fn max_position(&self) -> (f32, f32) {
        (self.wmax, self.hmax)
    }

    /// Pixel `(x, y)`, lane-packed; it must lie in the picture.
    pub(crate) fn pixel(&self, x: usize, y: usize) -> u64 {
        debug_assert!(x < self.w && y < self.h);
        self.px[y * self.w + x]
    }

    /// Row `y` of the picture, lane-packed.
    pub(crate) fn row(&self, y: usize) -> &[u64] {
        &self.px[y * self.w..(y + 1) * self.w]
    }

    /// A `w` x `h` picture from its lane-packed pixels, row-major.
    pub(crate) fn from_pixels(w: usize, h: usize, mut px: Vec<u64>) -> PackedSource {
        assert_eq!(px.len(), w * h);
        px.resize(w * h + w + 2, 0);
        PackedSource {
            w,
            h,
            wmax: w.saturating_sub(1) as f32,
            hmax: h.saturating_sub(1) as f32,
            px,
        }
    }

    /// The bilinear sample at pixel-index position `(x, y)`, lane-packed.
    pub(crate) fn sample(&self, x: f32, y: f32) -> u64 {
        // max/min (not clamp) so NaN lands on 0 rather than panicking.
        let fx = (x.max(0.0).min(self.wmax) * 256.0 + 0.5) as u32;
        let fy = (y.max(0.0).min(self.hmax) * 256.0 + 0.5) as u32;
        self.sample_fixed(fx, fy)
    }

    /// The bilinear sample at fixed-point position `(fx / 256, fy / 256)`, which must lie
    /// within `0 ..= (w - 1) * 256` and `0 ..= (h - 1) * 256`.
    #[inline(always)]
    pub(crate) fn sample_fixed(&self, fx: u32, fy: u32) -> u64 {
        let (ax, ay) = ((fx & 255) as u64, (fy & 255) as u64);
        // At the last column or row the weight of the right / lower neighbour is 0, and the
        // padding makes the read harmless. In range, i <= (h - 1) * w + w - 1; the `min` only
        // guards against callers breaking the contract (a wrong picture, never a wild read).
        let i = ((fy >> 8) as usize * self.w + (fx >> 8) as usize).min(self.px.len() - self.w - 2);
        // SAFETY: i <= px.len() - w - 2, so i + w + 1 < px.len().
        let (p00, p01, p10, p11) = unsafe {
            (
                *self.px.get_unchecked(i),
                *self.px.get_unchecked(i + 1),
                *self.px.get_unchecked(i + self.w),
                *self.px.get_unchecked(i + self.w + 1),
            )
        };
        lerp(lerp(p00, p01, ax), lerp(p10, p11, ax), ay)
    }
}

/// A pixel's 3 bytes, lane-packed.
#[inline(always)]
pub(crate) fn pack(rgb: [u8; 3]) -> u64 {
    rgb[0] as u64 | (rgb[1] as u64) << 16 | (rgb[2] as u64) << 32
}

/// Writes a lane-packed pixel as 3 bytes.
#[inline(always)]
pub(crate) fn store(dst: &mut [u8], v: u64) {
    dst[0] = v as u8;
    dst[1] = (v >> 16) as u8;
    dst[2] = (v >> 32) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn unpack(v: u64) -> [u8; 3] {
        let mut out = [0u8; 3];
        store(&mut out, v);
        out
    }

    #[test]
    fn whole_positions_are_exact_and_halves_average() {
        let mut img = RgbImage::new(3, 2);
        img.put_pixel(0, 0, Rgb([10, 200, 0]));
        img.put_pixel(1, 0, Rgb([20, 100, 255]));
        img.put_pixel(2, 1, Rgb([255, 255, 255]));
        let src = PackedSource::new(&img);
        for y in 0..2 {
            for x in 0..3 {
                assert_eq!(
                    unpack(src.sample(x as f32, y as f32)),
                    img.get_pixel(x, y).0
                );
            }
        }
        assert_eq!(unpack(src.sample(0.5, 0.0)), [15, 150, 128]);
        // Clamped to the edge, and NaN is harmless.
        assert_eq!(unpack(src.sample(-4.0, -1.0)), [10, 200, 0]);
        assert_eq!(unpack(src.sample(9.0, 5.0)), [255, 255, 255]);
        assert_eq!(unpack(src.sample(f32::NAN, f32::NAN)), [10, 200, 0]);
        // Quarter positions blend four pixels: (1.5, 0.5) mixes (20,100,255), 0, 0, 255s.
        let v = unpack(src.sample(1.5, 0.5));
        assert_eq!(v, [69, 89, 128]);
    }
}
