//! Reframing: putting a picture of one aspect ratio into an output frame of another.
//!
//! The caller resizes (or warps) its picture to [`Framing::content_size`] and hands each
//! frame to [`Framing::compose`], which crops it ([`Fit::Crop`]) or places it over a
//! blurred copy of itself ([`Fit::Blur`]). A shot's [`Crop`] moves and scales the picture
//! inside the frame; the frame is always covered (crop) or the picture always whole at
//! zoom 1 (blur).

use image::RgbImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Fit;

/// Which part of a shot's picture the output frame keeps: the picture point at the frame's
/// centre and a zoom over the fit. The default (centred, zoom 1) is the plain fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Crop {
    /// The picture point at the frame's centre, as a fraction of the picture's width
    /// (0 left edge, 1 right edge). Moved only as far as the picture still covers the frame.
    pub x: f32,
    /// The same, of the height (0 top, 1 bottom).
    pub y: f32,
    /// 1 fits the picture to the frame as the export's fit says; 2 keeps half as much of it,
    /// twice as large. 1 to [`max_zoom`] for the picture and the frame (at most
    /// [`Crop::MAX_ZOOM`]); a larger number is framed at that limit.
    pub zoom: f32,
}

impl Default for Crop {
    fn default() -> Self {
        Crop {
            x: 0.5,
            y: 0.5,
            zoom: 1.0,
        }
    }
}

impl Crop {
    /// The zoom no crop passes whatever the sizes (the limit that matters is [`max_zoom`]).
    pub const MAX_ZOOM: f32 = 8.0;

    /// The crop with every number in range (a hand-edited file cannot break a render).
    pub fn clamped(self) -> Crop {
        let unit = |v: f32| {
            if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.5
            }
        };
        Crop {
            x: unit(self.x),
            y: unit(self.y),
            zoom: if self.zoom.is_finite() {
                self.zoom.clamp(1.0, Self::MAX_ZOOM)
            } else {
                1.0
            },
        }
    }
}

/// The upscaling above which a picture is flagged as too small for its frame: past 2x a
/// photo looks soft on a phone.
pub const HEAVY_UPSCALE: f64 = 2.0;

/// The fewest picture pixels a zoomed crop keeps across the frame's short side: a 1080-wide
/// frame showing 240 of them is made of 4.5-pixel blocks, as far as a zoom is worth going.
pub const MIN_KEPT_PIXELS: f64 = 240.0;

/// The most pixels the zoomed picture may have: the export warps the whole zoomed picture
/// before it cuts the frame from it, so its time and memory grow with the zoom squared.
/// 64 MP is a 4K photo zoomed 3x in a 9:16 frame, about 200 MB a frame.
pub const MAX_ZOOMED_PIXELS: f64 = 64e6;

/// Why a crop cannot zoom further in (see [`zoom_limit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ZoomLimit {
    /// Closer, the frame would keep fewer than [`MIN_KEPT_PIXELS`] of the picture across.
    Detail,
    /// Closer, the zoomed picture would pass [`MAX_ZOOMED_PIXELS`].
    Size,
    /// [`Crop::MAX_ZOOM`].
    Ceiling,
}

/// The plain fit's content size: the picture scaled to cover (crop) or fit inside (blur)
/// the frame. Zero sizes are treated as 1.
fn fitted(src_w: u32, src_h: u32, out_w: u32, out_h: u32, fit: Fit) -> (u32, u32) {
    let (sw, sh, ow, oh) = (src_w.max(1), src_h.max(1), out_w.max(1), out_h.max(1));
    // Is the source at least as wide (in aspect) as the output?
    let wider = sw as u64 * oh as u64 >= sh as u64 * ow as u64;
    match (fit, wider) {
        // Cover: match the dimension that leaves the other overflowing.
        (Fit::Crop, true) => (scale(sw, oh, sh).max(ow), oh),
        (Fit::Crop, false) => (ow, scale(sh, ow, sw).max(oh)),
        // Contain: match the dimension that leaves the other inside.
        (Fit::Blur, true) => (ow, scale(sh, ow, sw).min(oh)),
        (Fit::Blur, false) => (scale(sw, oh, sh).min(ow), oh),
    }
}

/// How far in a crop of a `src_w` x `src_h` picture may zoom in an `out_w` x `out_h` frame,
/// and what stops it there: the frame still keeps [`MIN_KEPT_PIXELS`] of the picture across
/// its short side, and the zoomed picture stays within [`MAX_ZOOMED_PIXELS`]. At least 1 (a
/// picture already that enlarged by the plain fit does not zoom at all).
pub fn zoom_limit(src_w: u32, src_h: u32, out_w: u32, out_h: u32, fit: Fit) -> (f32, ZoomLimit) {
    let (cw, ch) = fitted(src_w, src_h, out_w, out_h, fit);
    // Output pixels per picture pixel at zoom 1.
    let upscale = cw as f64 / src_w.max(1) as f64;
    let short_side = out_w.max(1).min(out_h.max(1)) as f64;
    let detail = short_side / (upscale * MIN_KEPT_PIXELS);
    let size = (MAX_ZOOMED_PIXELS / (cw as f64 * ch as f64)).sqrt();
    let ceiling = Crop::MAX_ZOOM as f64;
    let (limit, why) = if detail <= size && detail <= ceiling {
        (detail, ZoomLimit::Detail)
    } else if size <= ceiling {
        (size, ZoomLimit::Size)
    } else {
        (ceiling, ZoomLimit::Ceiling)
    };
    // Rounded down to what the UI shows (0.01), so a crop at the limit reads as the limit.
    (((limit * 100.0).floor() / 100.0).max(1.0) as f32, why)
}

/// [`zoom_limit`]'s zoom alone.
pub fn max_zoom(src_w: u32, src_h: u32, out_w: u32, out_h: u32, fit: Fit) -> f32 {
    zoom_limit(src_w, src_h, out_w, out_h, fit).0
}

/// Where a picture of size (src_w, src_h) goes in an output frame of size (out_w, out_h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    fit: Fit,
    out: (u32, u32),
    content: (u32, u32),
    /// Top-left of the content in the output; negative when it is cropped.
    offset: (i32, i32),
}

/// `a * b / c`, rounded, at least 1.
fn scale(a: u32, b: u32, c: u32) -> u32 {
    (((a as u64 * b as u64 + c as u64 / 2) / c as u64) as u32).max(1)
}

impl Framing {
    /// The plain fit, centred. Zero sizes are treated as 1.
    pub fn new(src_w: u32, src_h: u32, out_w: u32, out_h: u32, fit: Fit) -> Framing {
        Self::with_crop(src_w, src_h, out_w, out_h, fit, Crop::default())
    }

    /// The fit scaled by `crop.zoom` (at most [`max_zoom`]) and moved so that the picture
    /// point `crop.x, crop.y` is at the frame's centre, as far as the picture still covers
    /// the frame along any side where it is larger than the frame (a smaller side stays
    /// centred). Zero sizes are treated as 1.
    pub fn with_crop(
        src_w: u32,
        src_h: u32,
        out_w: u32,
        out_h: u32,
        fit: Fit,
        crop: Crop,
    ) -> Framing {
        let crop = crop.clamped();
        let (ow, oh) = (out_w.max(1), out_h.max(1));
        let content = fitted(src_w, src_h, out_w, out_h, fit);
        let zoom = crop.zoom.min(max_zoom(src_w, src_h, out_w, out_h, fit)) as f64;
        let content = if zoom > 1.0 {
            let z = |v: u32| ((v as f64 * zoom).round() as u32).max(1);
            (z(content.0), z(content.1))
        } else {
            content
        };
        let offset = (
            axis_offset(ow, content.0, crop.x),
            axis_offset(oh, content.1, crop.y),
        );
        Framing {
            fit,
            out: (ow, oh),
            content,
            offset,
        }
    }

    /// The size to resize or warp the picture to before [`Framing::compose`].
    pub fn content_size(&self) -> (u32, u32) {
        self.content
    }

    /// How many output pixels each picture pixel becomes (above 1: upscaled).
    pub fn upscale(&self, src_w: u32) -> f64 {
        self.content.0 as f64 / src_w.max(1) as f64
    }

    /// The part of the picture the frame shows, as fractions of the picture (left, top,
    /// width, height), clipped to the picture: what the stage draws as the kept frame.
    pub fn kept(&self) -> (f64, f64, f64, f64) {
        let (cw, ch) = (self.content.0 as f64, self.content.1 as f64);
        let left = (-self.offset.0 as f64 / cw).max(0.0);
        let top = (-self.offset.1 as f64 / ch).max(0.0);
        let right = ((self.out.0 as f64 - self.offset.0 as f64) / cw).min(1.0);
        let bottom = ((self.out.1 as f64 - self.offset.1 as f64) / ch).min(1.0);
        (left, top, right - left, bottom - top)
    }

    /// The content's top-left corner in the output frame (negative when cropped).
    pub fn offset(&self) -> (i32, i32) {
        self.offset
    }

    /// The output frame size.
    pub fn output_size(&self) -> (u32, u32) {
        self.out
    }

    /// Puts a content-sized frame into the output frame: centred crop for [`Fit::Crop`];
    /// for [`Fit::Blur`], the content fitted inside over a blurred, cover-scaled copy of
    /// itself. `out` must be the output size; `content` should be the content size (a
    /// different size is placed centred, cropped or padded with black).
    pub fn compose(&self, content: &RgbImage, out: &mut RgbImage) {
        assert_eq!(
            out.dimensions(),
            self.out,
            "output frame has the wrong size"
        );
        let (cw, ch) = content.dimensions();
        let offset = if (cw, ch) == self.content {
            self.offset
        } else {
            (
                (self.out.0 as i32 - cw as i32) / 2,
                (self.out.1 as i32 - ch as i32) / 2,
            )
        };
        let covers = offset.0 <= 0
            && offset.1 <= 0
            && offset.0 + cw as i32 >= self.out.0 as i32
            && offset.1 + ch as i32 >= self.out.1 as i32;
        let background = if self.fit == Fit::Blur && !covers && cw > 0 && ch > 0 {
            Some(blurred_background(content, self.out).widen(self.out.0 as usize))
        } else {
            None
        };
        place(content, offset, out, background.as_ref());
    }
}

/// Where content of length `content` starts along an output side of length `out`: centred
/// when it is shorter; else with the content point at fraction `at` in the middle, moved as
/// far as it still covers the side. Centred content (`at` 0.5) starts where plain centring
/// (rounding towards zero) puts it.
fn axis_offset(out: u32, content: u32, at: f32) -> i32 {
    if content <= out {
        return (out as i32 - content as i32) / 2;
    }
    let free = (content - out) as f64;
    let want = at as f64 * content as f64 - out as f64 / 2.0;
    let share = (want / free).clamp(0.0, 1.0);
    -((free * share + 1e-9).floor() as i32)
}

/// A small, blurred picture standing for `content` scaled to cover `out`: about an eighth
/// of the output size, to be scaled up bilinearly.
struct Background {
    w: usize,
    h: usize,
    rgb: Vec<f32>,
}

/// The background scaled up to the output width (its rows still small), in 1/256ths.
struct WideBackground {
    w: usize,
    h: usize,
    rgb: Vec<i32>,
}

impl Background {
    /// Scales each row up to `out_w` pixels, bilinearly.
    fn widen(&self, out_w: usize) -> WideBackground {
        let xtaps = taps(out_w, self.w);
        let mut rgb = vec![0i32; self.h * out_w * 3];
        rgb.par_chunks_mut(out_w * 3)
            .enumerate()
            .for_each(|(y, row)| {
                let src = &self.rgb[y * self.w * 3..][..self.w * 3];
                for (p, &(x0, fx)) in row.chunks_exact_mut(3).zip(&xtaps) {
                    let x1 = (x0 + 1).min(self.w - 1);
                    let fx = fx as f32 / 256.0;
                    for c in 0..3 {
                        let (a, b) = (src[x0 * 3 + c], src[x1 * 3 + c]);
                        p[c] = ((a + (b - a) * fx) * 256.0) as i32;
                    }
                }
            });
        WideBackground {
            w: out_w,
            h: self.h,
            rgb,
        }
    }
}

const BLUR_DOWNSCALE: u32 = 8;
/// Box blur radius in small pixels. Three passes are close to a Gaussian with a sigma of
/// about 4.5 small pixels, some 36 output pixels.
const BLUR_RADIUS: usize = 4;

fn blurred_background(content: &RgbImage, out: (u32, u32)) -> Background {
    let (cw, ch) = content.dimensions();
    let (ow, oh) = out;
    let w = ow.div_ceil(BLUR_DOWNSCALE).max(1) as usize;
    let h = oh.div_ceil(BLUR_DOWNSCALE).max(1) as usize;
    // The part of the content that covers the output's aspect, centred.
    let cover = Framing::new(ow, oh, cw, ch, Fit::Blur);
    let (rw, rh) = cover.content_size();
    let (rx, ry) = (
        cover.offset().0.max(0) as usize,
        cover.offset().1.max(0) as usize,
    );
    let (rw, rh) = (rw as usize, rh as usize);
    // Box-filter that region down to w x h.
    let src = content.as_raw();
    let stride = cw as usize * 3;
    let mut rgb = vec![0f32; w * h * 3];
    rgb.par_chunks_mut(w * 3).enumerate().for_each(|(sy, row)| {
        let y0 = ry + sy * rh / h;
        let y1 = (ry + (sy + 1) * rh / h).max(y0 + 1).min(ch as usize);
        for sx in 0..w {
            let x0 = rx + sx * rw / w;
            let x1 = (rx + (sx + 1) * rw / w).max(x0 + 1).min(cw as usize);
            let mut sum = [0u32; 3];
            for y in y0..y1 {
                for p in src[y * stride + x0 * 3..y * stride + x1 * 3].chunks_exact(3) {
                    sum[0] += p[0] as u32;
                    sum[1] += p[1] as u32;
                    sum[2] += p[2] as u32;
                }
            }
            let n = ((y1 - y0) * (x1 - x0)).max(1) as f32;
            for c in 0..3 {
                row[sx * 3 + c] = sum[c] as f32 / n;
            }
        }
    });
    let mut bg = Background { w, h, rgb };
    for _ in 0..3 {
        box_blur(&mut bg, BLUR_RADIUS);
    }
    bg
}

/// One horizontal and one vertical box-blur pass (running sums), edges clamped.
fn box_blur(bg: &mut Background, r: usize) {
    let (w, h) = (bg.w, bg.h);
    let mut line = Vec::new();
    for y in 0..h {
        blur_line(&mut bg.rgb, y * w * 3, 3, w, r, &mut line);
    }
    for x in 0..w {
        blur_line(&mut bg.rgb, x * 3, w * 3, h, r, &mut line);
    }
}

/// Box-blurs `n` RGB samples starting at `start`, `stride` floats apart, in place.
fn blur_line(
    data: &mut [f32],
    start: usize,
    stride: usize,
    n: usize,
    r: usize,
    line: &mut Vec<f32>,
) {
    line.clear();
    line.extend((0..n).flat_map(|i| {
        let at = start + i * stride;
        [data[at], data[at + 1], data[at + 2]]
    }));
    let norm = 1.0 / (2 * r + 1) as f32;
    let get = |i: isize, c: usize| line[i.clamp(0, n as isize - 1) as usize * 3 + c];
    for c in 0..3 {
        let mut sum: f32 = (-(r as isize)..=r as isize).map(|i| get(i, c)).sum();
        for i in 0..n {
            data[start + i * stride + c] = sum * norm;
            sum += get(i as isize + r as isize + 1, c) - get(i as isize - r as isize, c);
        }
    }
}

/// For each output coordinate: the first of the two small-image samples to blend and the
/// weight of the second, in 1/256ths.
fn taps(out: usize, small: usize) -> Vec<(usize, i32)> {
    (0..out)
        .map(|i| {
            let f =
                ((i as f32 + 0.5) * small as f32 / out as f32 - 0.5).clamp(0.0, (small - 1) as f32);
            let i0 = (f as usize).min(small.saturating_sub(2));
            (i0, ((f - i0 as f32) * 256.0).round() as i32)
        })
        .collect()
}

/// Copies `content` into `out` at `offset`, clipping; what it does not cover is the
/// background scaled up bilinearly (rows blended here), or black.
fn place(content: &RgbImage, offset: (i32, i32), out: &mut RgbImage, bg: Option<&WideBackground>) {
    let (ow, oh) = (out.width() as usize, out.height() as usize);
    let (cw, ch) = (content.width() as i64, content.height() as i64);
    // Output columns covered by content.
    let x_start = offset.0.clamp(0, ow as i32) as usize;
    let x_end = (offset.0 as i64 + cw).clamp(0, ow as i64) as usize;
    let ytaps = bg.map(|b| taps(oh, b.h)).unwrap_or_default();
    let src = content.as_raw();
    out.as_mut()
        .par_chunks_mut(ow * 3)
        .enumerate()
        .for_each(|(y, row)| {
            let cy = y as i64 - offset.1 as i64;
            let inside = (0..ch).contains(&cy) && x_end > x_start;
            let mut fill = |from: usize, to: usize| {
                let px = &mut row[from * 3..to * 3];
                let Some(b) = bg else {
                    px.fill(0);
                    return;
                };
                debug_assert_eq!(b.w, ow);
                let (y0, fy) = ytaps[y];
                let y1 = (y0 + 1).min(b.h - 1);
                let r0 = &b.rgb[(y0 * ow + from) * 3..(y0 * ow + to) * 3];
                let r1 = &b.rgb[(y1 * ow + from) * 3..(y1 * ow + to) * 3];
                for ((p, &a), &c) in px.iter_mut().zip(r0).zip(r1) {
                    *p = ((a + (((c - a) * fy) >> 8) + 128) >> 8).clamp(0, 255) as u8;
                }
            };
            if !inside {
                fill(0, ow);
                return;
            }
            fill(0, x_start);
            fill(x_end, ow);
            let cx = x_start as i64 - offset.0 as i64;
            let s = (cy as usize * cw as usize + cx as usize) * 3;
            row[x_start * 3..x_end * 3].copy_from_slice(&src[s..s + (x_end - x_start) * 3]);
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASPECTS: [(u32, u32); 7] = [
        (1920, 1080),
        (1080, 1920),
        (1000, 1000),
        (4000, 3000),
        (3000, 4000),
        (640, 480),
        (7, 3),
    ];
    const OUTPUTS: [(u32, u32); 4] = [(1080, 1920), (1920, 1080), (1080, 1080), (720, 1280)];

    #[test]
    fn crop_covers_the_frame_and_is_centred() {
        for (sw, sh) in ASPECTS {
            for (ow, oh) in OUTPUTS {
                let f = Framing::new(sw, sh, ow, oh, Fit::Crop);
                let (cw, ch) = f.content_size();
                let (x, y) = f.offset();
                assert!(cw >= ow && ch >= oh, "{sw}x{sh} -> {ow}x{oh}: {cw}x{ch}");
                // One side matches exactly; the aspect is kept to within a pixel.
                assert!(cw == ow || ch == oh);
                let aspect_err = (cw as f64 / ch as f64 - sw as f64 / sh as f64).abs();
                assert!(
                    aspect_err * ch.min(cw) as f64 <= 1.0,
                    "{sw}x{sh} -> {cw}x{ch}"
                );
                assert!(x <= 0 && y <= 0);
                assert!(x + cw as i32 >= ow as i32 && y + ch as i32 >= oh as i32);
                assert!(
                    (-2 * x - (cw - ow) as i32).abs() <= 1
                        && (-2 * y - (ch - oh) as i32).abs() <= 1
                );
            }
        }
    }

    #[test]
    fn blur_fits_inside_and_is_centred() {
        for (sw, sh) in ASPECTS {
            for (ow, oh) in OUTPUTS {
                let f = Framing::new(sw, sh, ow, oh, Fit::Blur);
                let (cw, ch) = f.content_size();
                let (x, y) = f.offset();
                assert!(
                    cw <= ow && ch <= oh && (cw == ow || ch == oh),
                    "{sw}x{sh} -> {cw}x{ch}"
                );
                assert!(x >= 0 && y >= 0);
                assert!(
                    (2 * x - (ow - cw) as i32).abs() <= 1 && (2 * y - (oh - ch) as i32).abs() <= 1
                );
            }
        }
        // Landscape 16:9 into portrait 9:16: full width, 608 rows, centred.
        let f = Framing::new(1920, 1080, 1080, 1920, Fit::Blur);
        assert_eq!((f.content_size(), f.offset()), ((1080, 608), (0, 656)));
        // Same aspect: nothing to crop or pad.
        for fit in [Fit::Crop, Fit::Blur] {
            let f = Framing::new(540, 960, 1080, 1920, fit);
            assert_eq!((f.content_size(), f.offset()), ((1080, 1920), (0, 0)));
        }
    }

    #[test]
    fn a_crop_moves_and_scales_the_kept_part_and_still_covers_the_frame() {
        // 1600x900 into 1080x1920: cover scale 1920/900, content 3413x1920.
        let plain = Framing::new(1600, 900, 1080, 1920, Fit::Crop);
        let centred = Framing::with_crop(1600, 900, 1080, 1920, Fit::Crop, Crop::default());
        assert_eq!(plain, centred);
        // All the way left and right: the frame's edge on the picture's edge.
        let left = Framing::with_crop(
            1600,
            900,
            1080,
            1920,
            Fit::Crop,
            Crop {
                x: 0.0,
                ..Crop::default()
            },
        );
        assert_eq!(left.offset(), (0, 0));
        let right = Framing::with_crop(
            1600,
            900,
            1080,
            1920,
            Fit::Crop,
            Crop {
                x: 1.0,
                ..Crop::default()
            },
        );
        let (cw, _) = right.content_size();
        assert_eq!(right.offset().0, 1080 - cw as i32);
        // The point a quarter in lands in the frame's middle.
        let quarter = Framing::with_crop(
            1600,
            900,
            1080,
            1920,
            Fit::Crop,
            Crop {
                x: 0.25,
                ..Crop::default()
            },
        );
        assert!(
            (quarter.offset().0 + (cw as i32 / 4) - 540).abs() <= 1,
            "{:?}",
            quarter.offset()
        );
        // Zoom 2: twice as large, half as much kept, still covering.
        let zoomed = Framing::with_crop(
            1600,
            900,
            1080,
            1920,
            Fit::Crop,
            Crop {
                x: 0.5,
                y: 0.5,
                zoom: 2.0,
            },
        );
        assert_eq!(zoomed.content_size(), (cw * 2, 3840));
        let (l, t, w, h) = zoomed.kept();
        assert!(
            (h - 0.5).abs() < 1e-3 && (t - 0.25).abs() < 1e-3,
            "{l} {t} {w} {h}"
        );
        let (x, y) = zoomed.offset();
        assert!(x <= 0 && y <= 0 && x + (cw * 2) as i32 >= 1080 && y + 3840 >= 1920);
        // Out-of-range numbers from a hand-edited file are clamped, not trusted.
        let wild = Framing::with_crop(
            1600,
            900,
            1080,
            1920,
            Fit::Crop,
            Crop {
                x: f32::NAN,
                y: 9.0,
                zoom: 100.0,
            },
        );
        let limit = max_zoom(1600, 900, 1080, 1920, Fit::Crop);
        assert_eq!(
            wild.content_size().1,
            (1920.0 * limit as f64).round() as u32
        );
    }

    #[test]
    fn how_far_a_crop_zooms_follows_the_picture_and_the_frame() {
        let limit = |w, h, ow, oh| zoom_limit(w, h, ow, oh, Fit::Crop);
        // 1600x900 in 9:16 is already 2.13x: 2.1x more keeps 240 of its pixels across.
        let (z, why) = limit(1600, 900, 1080, 1920);
        assert_eq!(why, ZoomLimit::Detail);
        assert!((2.05..2.15).contains(&z), "{z}");
        // The same picture for YouTube fills the frame at 1.2x: it may go further in.
        let (z, why) = limit(1600, 900, 1920, 1080);
        assert_eq!(why, ZoomLimit::Detail);
        assert!(z > 3.5, "{z}");
        // A 4K photo in 9:16 has detail for 4.5x; the zoomed picture's size stops it at 3.1x.
        let (z, why) = limit(3840, 2160, 1080, 1920);
        assert_eq!(why, ZoomLimit::Size);
        assert!((3.0..3.2).contains(&z), "{z}");
        // A 451x300 photo is 6.4x already: no zoom.
        assert_eq!(limit(451, 300, 1080, 1920), (1.0, ZoomLimit::Detail));
        // A huge picture in a small frame: the ceiling.
        assert_eq!(
            limit(3840, 3840, 480, 480),
            (Crop::MAX_ZOOM, ZoomLimit::Ceiling)
        );
        // At the limit the frame keeps at least MIN_KEPT_PIXELS of the picture across.
        for (w, h, ow, oh) in [
            (1600, 900, 1080, 1920),
            (1080, 1920, 1080, 1920),
            (2000, 3000, 720, 1280),
        ] {
            let z = max_zoom(w, h, ow, oh, Fit::Crop);
            let f = Framing::with_crop(
                w,
                h,
                ow,
                oh,
                Fit::Crop,
                Crop {
                    zoom: z,
                    ..Crop::default()
                },
            );
            let (_, _, kw, kh) = f.kept();
            let across = (kw * w as f64).min(kh * h as f64);
            assert!(
                z == 1.0 || across >= MIN_KEPT_PIXELS - 1.0,
                "{w}x{h} in {ow}x{oh}: zoom {z} keeps {across}"
            );
        }
    }

    #[test]
    fn a_zoom_past_the_limit_is_framed_at_the_limit() {
        let at = |zoom| {
            Framing::with_crop(
                1600,
                900,
                1080,
                1920,
                Fit::Crop,
                Crop {
                    zoom,
                    ..Crop::default()
                },
            )
        };
        let limit = max_zoom(1600, 900, 1080, 1920, Fit::Crop);
        assert_eq!(at(limit + 1.0), at(limit));
        assert_ne!(at(limit - 0.5), at(limit));
        // Within the limit, a zoom is kept as asked.
        assert_eq!(at(1.5).content_size(), (5120, 2880));
    }

    #[test]
    fn a_small_picture_in_a_large_frame_is_upscaled() {
        // A 451x300 photo to 1080x1920: 6.4x, far past what looks sharp.
        let f = Framing::new(451, 300, 1080, 1920, Fit::Crop);
        assert!(f.upscale(451) > 6.0 && f.upscale(451) > HEAVY_UPSCALE);
        let f = Framing::new(4000, 3000, 1080, 1920, Fit::Crop);
        assert!(f.upscale(4000) < 1.0);
    }

    #[test]
    fn zero_sizes_do_not_panic() {
        let f = Framing::new(0, 0, 1080, 1920, Fit::Blur);
        assert!(f.content_size().0 >= 1 && f.content_size().1 >= 1);
        let f = Framing::new(100, 0, 1080, 1920, Fit::Crop);
        assert!(f.content_size().0 >= 1080);
    }

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        })
    }

    #[test]
    fn crop_takes_the_centre() {
        let f = Framing::new(400, 100, 100, 100, Fit::Crop);
        assert_eq!(f.content_size(), (400, 100));
        let content = gradient(400, 100);
        let mut out = RgbImage::new(100, 100);
        f.compose(&content, &mut out);
        for (x, y) in [(0, 0), (99, 99), (50, 20)] {
            assert_eq!(out.get_pixel(x, y), content.get_pixel(x + 150, y));
        }
    }

    #[test]
    fn blur_keeps_the_content_sharp_over_a_matching_background() {
        // A wide picture, left half red and right half blue, into a tall frame.
        let content = RgbImage::from_fn(200, 100, |x, _| {
            if x < 100 {
                image::Rgb([200, 0, 0])
            } else {
                image::Rgb([0, 0, 200])
            }
        });
        let f = Framing::new(200, 100, 100, 200, Fit::Blur);
        assert_eq!((f.content_size(), f.offset()), ((100, 50), (0, 75)));
        let small =
            image::imageops::resize(&content, 100, 50, image::imageops::FilterType::Triangle);
        let mut out = RgbImage::new(100, 200);
        f.compose(&small, &mut out);
        for y in 75..125 {
            for x in 0..100 {
                assert_eq!(out.get_pixel(x, y), small.get_pixel(x, y - 75));
            }
        }
        // The bands are the cover-scaled centre of the picture, blurred: red fading into
        // blue across the middle, never black.
        let band = |x: u32| out.get_pixel(x, 10).0;
        assert!(band(0)[0] > 150 && band(0)[2] < 50, "{:?}", band(0));
        assert!(band(99)[2] > 150 && band(99)[0] < 50, "{:?}", band(99));
        let mid = band(50);
        assert!(
            mid[0] > 40 && mid[2] > 40,
            "blurred across the edge: {mid:?}"
        );
        assert_eq!(out.get_pixel(3, 199), out.get_pixel(3, 0));
    }

    #[test]
    fn a_crop_at_the_right_edge_exports_the_right_edge() {
        // Left half red, right half blue; a square frame moved all the way right is blue.
        let content = RgbImage::from_fn(400, 100, |x, _| {
            image::Rgb(if x < 200 { [200, 0, 0] } else { [0, 0, 200] })
        });
        let crop = Crop {
            x: 1.0,
            ..Crop::default()
        };
        let f = Framing::with_crop(400, 100, 100, 100, Fit::Crop, crop);
        let mut out = RgbImage::new(100, 100);
        f.compose(&content, &mut out);
        assert!(out.pixels().all(|p| p.0 == [0, 0, 200]));
        let f = Framing::with_crop(400, 100, 100, 100, Fit::Crop, Crop { x: 0.0, ..crop });
        f.compose(&content, &mut out);
        assert!(out.pixels().all(|p| p.0 == [200, 0, 0]));
    }

    #[test]
    fn blur_of_a_flat_picture_is_flat() {
        let content = RgbImage::from_pixel(160, 90, image::Rgb([10, 120, 230]));
        let f = Framing::new(160, 90, 90, 160, Fit::Blur);
        let (cw, ch) = f.content_size();
        let content =
            image::imageops::resize(&content, cw, ch, image::imageops::FilterType::Triangle);
        let mut out = RgbImage::new(90, 160);
        f.compose(&content, &mut out);
        assert!(out.pixels().all(|p| p.0 == [10, 120, 230]));
    }
}
