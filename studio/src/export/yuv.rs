//! RGB to YUV 4:2:0 (I420), BT.709 limited range, the colour space the encoder signals in
//! the stream, so every player decodes the colours the creator saw.

use rayon::prelude::*;

/// An I420 picture: a full-size Y plane, then quarter-size U and V planes, tightly packed.
pub(crate) struct YuvFrame {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

// BT.709 coefficients scaled by 2^16, limited range (Y 16..235, Cb/Cr 16..240).
const Y_R: i32 = 11966;
const Y_G: i32 = 40254;
const Y_B: i32 = 4064;
const U_R: i32 = -6596;
const U_G: i32 = -22188;
const U_B: i32 = 28784;
const V_R: i32 = 28784;
const V_G: i32 = -26145;
const V_B: i32 = -2639;

impl YuvFrame {
    /// A black picture; `width` and `height` must be even.
    pub(crate) fn new(width: u32, height: u32) -> Self {
        debug_assert!(width.is_multiple_of(2) && height.is_multiple_of(2));
        let (width, height) = (width as usize, height as usize);
        Self {
            width,
            height,
            data: vec![0; width * height * 3 / 2],
        }
    }

    pub(crate) fn width(&self) -> usize {
        self.width
    }

    pub(crate) fn height(&self) -> usize {
        self.height
    }

    /// The Y, U and V planes.
    pub(crate) fn planes(&self) -> (&[u8], &[u8], &[u8]) {
        let (y, uv) = self.data.split_at(self.width * self.height);
        let (u, v) = uv.split_at(uv.len() / 2);
        (y, u, v)
    }

    /// Converts `rgb` (tightly packed RGB8 of this frame's size) into this frame, rows in
    /// parallel. Chroma is taken from the average of each 2x2 block.
    pub(crate) fn fill_from_rgb(&mut self, rgb: &[u8]) {
        let (w, h) = (self.width, self.height);
        assert_eq!(
            rgb.len(),
            w * h * 3,
            "RGB buffer does not match the frame size"
        );
        let (y_plane, uv) = self.data.split_at_mut(w * h);
        let (u_plane, v_plane) = uv.split_at_mut(w * h / 4);
        let cw = w / 2;
        y_plane
            .par_chunks_mut(2 * w)
            .zip(u_plane.par_chunks_mut(cw))
            .zip(v_plane.par_chunks_mut(cw))
            .zip(rgb.par_chunks(6 * w))
            .with_min_len(8)
            .for_each(|(((y2, u), v), src)| {
                let (y0, y1) = y2.split_at_mut(w);
                let (s0, s1) = src.split_at(3 * w);
                convert_row_pair(s0, s1, y0, y1, u, v);
            });
    }
}

#[inline(always)]
fn luma(r: i32, g: i32, b: i32) -> u8 {
    ((Y_R * r + Y_G * g + Y_B * b + (16 << 16) + (1 << 15)) >> 16) as u8
}

/// Converts two RGB rows into two Y rows and one U and V row.
fn convert_row_pair(
    s0: &[u8],
    s1: &[u8],
    y0: &mut [u8],
    y1: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
) {
    let pairs = s0
        .chunks_exact(6)
        .zip(s1.chunks_exact(6))
        .zip(y0.chunks_exact_mut(2))
        .zip(y1.chunks_exact_mut(2))
        .zip(u.iter_mut().zip(v.iter_mut()));
    for ((((a, b), ya), yb), (cu, cv)) in pairs {
        let px = |p: &[u8], i: usize| (p[i] as i32, p[i + 1] as i32, p[i + 2] as i32);
        let (r0, g0, b0) = px(a, 0);
        let (r1, g1, b1) = px(a, 3);
        let (r2, g2, b2) = px(b, 0);
        let (r3, g3, b3) = px(b, 3);
        ya[0] = luma(r0, g0, b0);
        ya[1] = luma(r1, g1, b1);
        yb[0] = luma(r2, g2, b2);
        yb[1] = luma(r3, g3, b3);
        // Sums of four samples: scale by 2^18 instead of 2^16 to average them.
        let (rs, gs, bs) = (r0 + r1 + r2 + r3, g0 + g1 + g2 + g3, b0 + b1 + b2 + b3);
        *cu = ((U_R * rs + U_G * gs + U_B * bs + (128 << 18) + (1 << 17)) >> 18) as u8;
        *cv = ((V_R * rs + V_G * gs + V_B * bs + (128 << 18) + (1 << 17)) >> 18) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The float BT.709 limited-range formula the integer one approximates.
    fn reference(r: f64, g: f64, b: f64) -> (f64, f64, f64) {
        let (kr, kb) = (0.2126, 0.0722);
        let kg = 1.0 - kr - kb;
        let y = kr * r + kg * g + kb * b;
        let cb = (b - y) / (2.0 * (1.0 - kb));
        let cr = (r - y) / (2.0 * (1.0 - kr));
        (
            16.0 + y * 219.0 / 255.0,
            128.0 + cb * 224.0 / 255.0,
            128.0 + cr * 224.0 / 255.0,
        )
    }

    #[test]
    fn matches_the_bt709_formula() {
        let colours = [
            [0u8, 0, 0],
            [255, 255, 255],
            [255, 0, 0],
            [0, 255, 0],
            [0, 0, 255],
            [128, 128, 128],
            [200, 100, 30],
            [12, 240, 180],
        ];
        for c in colours {
            let rgb: Vec<u8> = (0..4).flat_map(|_| c).collect();
            let mut f = YuvFrame::new(2, 2);
            f.fill_from_rgb(&rgb);
            let (y, u, v) = f.planes();
            let (ry, ru, rv) = reference(c[0] as f64, c[1] as f64, c[2] as f64);
            assert!(
                (y[0] as f64 - ry).abs() <= 0.51,
                "{c:?}: Y {} vs {ry}",
                y[0]
            );
            assert!(
                (u[0] as f64 - ru).abs() <= 0.51,
                "{c:?}: U {} vs {ru}",
                u[0]
            );
            assert!(
                (v[0] as f64 - rv).abs() <= 0.51,
                "{c:?}: V {} vs {rv}",
                v[0]
            );
        }
    }

    #[test]
    fn planes_are_laid_out_and_chroma_is_averaged() {
        // 4x2: left 2x2 block black, right 2x2 block white.
        let mut rgb = vec![0u8; 4 * 2 * 3];
        for row in 0..2 {
            for x in 2..4 {
                rgb[(row * 4 + x) * 3..][..3].copy_from_slice(&[255, 255, 255]);
            }
        }
        let mut f = YuvFrame::new(4, 2);
        f.fill_from_rgb(&rgb);
        let (y, u, v) = f.planes();
        assert_eq!(y, &[16, 16, 235, 235, 16, 16, 235, 235]);
        assert_eq!((u, v), (&[128u8, 128][..], &[128u8, 128][..]));
        // A block of two red and two blue pixels gets the average's chroma.
        let rgb = [255, 0, 0, 0, 0, 255, 0, 0, 255, 255, 0, 0];
        let mut f = YuvFrame::new(2, 2);
        f.fill_from_rgb(&rgb);
        let (_, ru, rv) = reference(127.5, 0.0, 127.5);
        let (_, u, v) = f.planes();
        assert!((u[0] as f64 - ru).abs() <= 0.51 && (v[0] as f64 - rv).abs() <= 0.51);
    }
}
