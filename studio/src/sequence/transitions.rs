//! What the transitions do to the frames: which shot frames make up sequence frame `f`, with
//! what weight and brightness, and the pixel operations that combine them.
//!
//! Weights and fades are taken at the middle of each frame's time span, so a transition of
//! `t` frames runs through `0.5 / t, 1.5 / t, ... (t - 0.5) / t` and never shows a frame
//! that is purely one shot inside a crossfade, nor a fully black one inside a dip.

use image::RgbImage;
use rayon::prelude::*;

use super::timing::{ShotSpan, Timing};
use crate::project::TransitionKind;

/// One shot's contribution to a sequence frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layer {
    /// Index of the shot.
    pub shot: usize,
    /// Frame of the shot (0 is its first).
    pub frame: u32,
    /// Brightness from dips to black, 0..=1 (1 is untouched).
    pub brightness: f32,
}

/// How to make one frame of the sequence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recipe {
    pub base: Layer,
    /// During a crossfade: the incoming shot and its weight (0..1) over `base`.
    pub over: Option<(Layer, f32)>,
}

/// Brightness of frame `local` of a shot from dips at its start and end.
fn dip_brightness(spans: &[ShotSpan], shot: usize, local: u32) -> f32 {
    let span = spans[shot];
    let pos = local as f32 + 0.5;
    let mut b = 1.0f32;
    if shot > 0 && spans[shot - 1].transition == TransitionKind::Dip {
        let half = spans[shot - 1].transition_frames as f32 / 2.0;
        b = b.min(pos / half);
    }
    if span.transition == TransitionKind::Dip {
        let half = span.transition_frames as f32 / 2.0;
        b = b.min((span.frames as f32 - pos) / half);
    }
    b.clamp(0.0, 1.0)
}

fn layer(spans: &[ShotSpan], shot: usize, frame: u32) -> Layer {
    let local = frame - spans[shot].start;
    Layer {
        shot,
        frame: local,
        brightness: dip_brightness(spans, shot, local),
    }
}

impl Timing {
    /// How to make frame `frame` of the sequence; `None` past its end.
    pub fn recipe(&self, frame: u32) -> Option<Recipe> {
        if frame >= self.total_frames {
            return None;
        }
        let spans = &self.shots;
        // The last shot that has started; in an overlap, the incoming one.
        let i = spans.partition_point(|s| s.start <= frame).checked_sub(1)?;
        if i > 0 {
            let prev = spans[i - 1];
            if prev.transition == TransitionKind::Crossfade && frame < prev.end() {
                let k = frame - spans[i].start;
                let weight = (k as f32 + 0.5) / prev.transition_frames as f32;
                return Some(Recipe {
                    base: layer(spans, i - 1, frame),
                    over: Some((layer(spans, i, frame), weight)),
                });
            }
        }
        Some(Recipe {
            base: layer(spans, i, frame),
            over: None,
        })
    }
}

/// Rows per parallel job in the pixel operations.
const ROWS: usize = 16;

/// `out = out * (1 - weight) + over * weight`, per byte, rounded.
pub fn crossfade(out: &mut RgbImage, over: &RgbImage, weight: f32) {
    let w = (weight.clamp(0.0, 1.0) * 256.0).round() as u32;
    let stride = out.width() as usize * 3 * ROWS;
    out.par_chunks_mut(stride)
        .zip(over.par_chunks(stride))
        .for_each(|(a, b)| {
            for (x, &y) in a.iter_mut().zip(b) {
                *x = ((*x as u32 * (256 - w) + y as u32 * w + 128) >> 8) as u8;
            }
        });
}

/// Scales every byte of `out` by `brightness` (0 is black), rounded.
pub fn darken(out: &mut RgbImage, brightness: f32) {
    let k = (brightness.clamp(0.0, 1.0) * 256.0).round() as u32;
    if k >= 256 {
        return;
    }
    let stride = out.width() as usize * 3 * ROWS;
    out.par_chunks_mut(stride).for_each(|a| {
        for x in a.iter_mut() {
            *x = ((*x as u32 * k + 128) >> 8) as u8;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequence::timing::tests::shots;

    #[test]
    fn a_crossfade_blends_the_two_shots_across_the_overlap() {
        let t = Timing::new(
            &shots(&[
                (1.0, TransitionKind::Crossfade, 0.2),
                (1.0, TransitionKind::Cut, 0.0),
            ]),
            30,
        );
        // 6 frames of overlap, from frame 24 to 29.
        assert_eq!(t.recipe(23).unwrap().over, None);
        let first = t.recipe(24).unwrap();
        assert_eq!((first.base.shot, first.base.frame), (0, 24));
        let (b, w) = first.over.unwrap();
        assert_eq!((b.shot, b.frame), (1, 0));
        assert!((w - 0.5 / 6.0).abs() < 1e-6);
        let (_, w) = t.recipe(29).unwrap().over.unwrap();
        assert!((w - 5.5 / 6.0).abs() < 1e-6);
        let after = t.recipe(30).unwrap();
        assert_eq!(
            (after.base.shot, after.base.frame, after.over),
            (1, 6, None)
        );
        assert_eq!(t.recipe(t.total_frames), None);
    }

    #[test]
    fn a_dip_fades_out_then_in_without_overlap() {
        let t = Timing::new(
            &shots(&[
                (1.0, TransitionKind::Dip, 0.4),
                (1.0, TransitionKind::Cut, 0.0),
            ]),
            30,
        );
        // 12 frames: the last 6 of shot 0 fade out, the first 6 of shot 1 fade in.
        let b = |f| t.recipe(f).unwrap().base;
        assert_eq!(b(23).brightness, 1.0);
        assert!((b(24).brightness - 5.5 / 6.0).abs() < 1e-6);
        assert!((b(29).brightness - 0.5 / 6.0).abs() < 1e-6);
        assert_eq!((b(30).shot, b(30).frame), (1, 0));
        assert!((b(30).brightness - 0.5 / 6.0).abs() < 1e-6);
        assert_eq!(b(36).brightness, 1.0);
        assert!(t.recipe(30).unwrap().over.is_none());
    }

    #[test]
    fn pixel_operations_mix_and_darken() {
        let mut a = RgbImage::from_pixel(20, 40, image::Rgb([200, 0, 100]));
        let b = RgbImage::from_pixel(20, 40, image::Rgb([0, 200, 100]));
        crossfade(&mut a, &b, 0.25);
        assert_eq!(a.get_pixel(19, 39).0, [150, 50, 100]);
        darken(&mut a, 0.5);
        assert_eq!(a.get_pixel(0, 0).0, [75, 25, 50]);
        darken(&mut a, 0.0);
        assert_eq!(a.get_pixel(3, 3).0, [0, 0, 0]);
    }
}
