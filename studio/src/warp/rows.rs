//! The per-row inner loops: backward map of a run of output pixels, then sampling.
//!
//! A row is processed in chunks of [`CHUNK`] pixels. Each stage is a simple loop over small
//! arrays (camera map, interpolated displacement, static mask, fixed-point conversion) that the
//! compiler vectorises, followed by one scalar loop that gathers and blends the source pixels.
//! Only chunks whose samples can reach a filled start area of the plate ([`super::plate`])
//! work out, per pixel, how much of the plate they show, and gather from both pictures.

use super::camera::CameraXform;
use super::field::FieldGrid;
use super::mask::StaticMask;
use super::plate::{area_bit, Plate, PlateFrame};
use super::sample::{lerp, store, PackedSource};

/// Pixels per chunk; a multiple of every grid step (2..=16).
pub(crate) const CHUNK: usize = 64;

/// What a chunk of output pixels shows.
pub(crate) enum Chunk {
    /// The same pixels of the source, unchanged (identity camera, no object motion and no
    /// filled start area of the plate within reach).
    Copy,
    /// The source positions in `sx`, `sy` (only the first `n` are meaningful).
    Mapped,
    /// Source positions as for `Mapped`, and in `plate` how much of the plate each pixel
    /// shows, in 256ths.
    Plated,
}

/// Everything the rows of one frame share.
pub(crate) struct RowContext<'a> {
    pub camera: &'a CameraXform,
    pub grid: Option<&'a FieldGrid>,
    pub mask: Option<&'a StaticMask>,
    /// The plate and its state at this time; `None` when no fill shows.
    pub plate: Option<(&'a Plate, &'a PlateFrame)>,
}

/// Scratch space of one chunk.
pub(crate) struct Scratch {
    pub sx: [f32; CHUNK],
    pub sy: [f32; CHUNK],
    dx: [f32; CHUNK],
    dy: [f32; CHUNK],
    fx: [u32; CHUNK],
    fy: [u32; CHUNK],
    weight: [f32; CHUNK],
    /// How much of the plate each pixel shows, in 256ths (for [`Chunk::Plated`]).
    pub plate: [u32; CHUNK],
    /// Which start area's window of the plate each pixel reads.
    pub area: [u32; CHUNK],
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        Scratch {
            sx: [0.0; CHUNK],
            sy: [0.0; CHUNK],
            dx: [0.0; CHUNK],
            dy: [0.0; CHUNK],
            fx: [0; CHUNK],
            fy: [0; CHUNK],
            weight: [0.0; CHUNK],
            plate: [0; CHUNK],
            area: [0; CHUNK],
        }
    }
}

/// Fills `dx`, `dy` for output pixels `x0 .. x0 + CHUNK` of the row lying `fy` of the way from
/// grid row `r0` to `r1`, by linear interpolation between grid columns `G` pixels apart.
/// Returns whether any of it is non-zero.
fn interpolate<const G: usize>(
    r0: &[[f32; 2]],
    r1: &[[f32; 2]],
    fy: f32,
    x0: usize,
    dx: &mut [f32; CHUNK],
    dy: &mut [f32; CHUNK],
) -> bool {
    let node = |i: usize| {
        let (a, b) = (r0[i], r1[i]);
        [a[0] + (b[0] - a[0]) * fy, a[1] + (b[1] - a[1]) * fy]
    };
    let first = x0 / G;
    let inv = 1.0 / G as f32;
    let mut any = false;
    let mut right = node(first);
    for (c, (cx, cy)) in dx
        .chunks_exact_mut(G)
        .zip(dy.chunks_exact_mut(G))
        .enumerate()
    {
        let i = first + c;
        if i + 1 >= r0.len() {
            // Past the frame's last column: never read.
            cx.fill(0.0);
            cy.fill(0.0);
            continue;
        }
        let left = right;
        right = node(i + 1);
        any |= left != [0.0, 0.0] || right != [0.0, 0.0];
        let step = [(right[0] - left[0]) * inv, (right[1] - left[1]) * inv];
        for k in 0..G {
            cx[k] = left[0] + step[0] * k as f32;
            cy[k] = left[1] + step[1] * k as f32;
        }
    }
    any
}

/// Computes where output pixels `x0 .. x0 + n` of row `y` sample the source and, near the
/// filled start areas, how much of the plate they show; `x0` is a multiple of [`CHUNK`] (so
/// chunks start on grid columns) and `n <= CHUNK`.
pub(crate) fn map_chunk(ctx: &RowContext, y: usize, x0: usize, n: usize, s: &mut Scratch) -> Chunk {
    debug_assert!(n <= CHUNK);
    let (moving, band) = match ctx.grid {
        None => (false, 0),
        Some(grid) => {
            let g = grid.step;
            let j = (y / g).min(grid.ny - 2);
            let fy = (y - j * g) as f32 / g as f32;
            let r0 = &grid.d[j * grid.nx..(j + 1) * grid.nx];
            let r1 = &grid.d[(j + 1) * grid.nx..(j + 2) * grid.nx];
            let moving = match g {
                2 => interpolate::<2>(r0, r1, fy, x0, &mut s.dx, &mut s.dy),
                4 => interpolate::<4>(r0, r1, fy, x0, &mut s.dx, &mut s.dy),
                8 => interpolate::<8>(r0, r1, fy, x0, &mut s.dx, &mut s.dy),
                16 => interpolate::<16>(r0, r1, fy, x0, &mut s.dx, &mut s.dy),
                _ => unreachable!("grid steps are powers of two from 2 to 16"),
            };
            (moving, j)
        }
    };
    // The start areas of the plate this chunk's samples may reach.
    let areas = ctx
        .plate
        .map_or(0, |(_, p)| p.reach[band * p.chunks + x0 / CHUNK]);
    let cam = ctx.camera;
    if !moving && areas == 0 && cam.is_identity() {
        return Chunk::Copy;
    }
    let (bx, by) = cam.apply(x0 as f32, y as f32);
    let (mx, my) = (cam.m[0], cam.m[2]);
    for k in 0..CHUNK {
        let kf = k as f32;
        s.sx[k] = mx * kf + bx;
        s.sy[k] = my * kf + by;
    }
    if moving {
        displace(ctx, n, s);
    }
    match ctx.plate {
        Some((_, plate)) if areas != 0 && plate_weights(plate, areas, (bx, by), (mx, my), n, s) => {
            Chunk::Plated
        }
        _ => Chunk::Mapped,
    }
}

/// Subtracts the interpolated displacement, damped by the static mask, from the scene points
/// in `sx`, `sy`.
fn displace(ctx: &RowContext, n: usize, s: &mut Scratch) {
    // The mask is read at the scene point (nearest pixel): static content stays where it
    // was, so it is held wherever the camera shows it. Chunks away from any brush skip it.
    let last = n.max(1) - 1;
    match ctx.mask {
        Some(mask) if mask.any_in(s.sx[0], s.sy[0], s.sx[last], s.sy[last]) => {
            for k in 0..n {
                let keep = (255 - mask.at(s.sx[k], s.sy[k]) as u32) as f32 * (1.0 / 255.0);
                s.sx[k] -= s.dx[k] * keep;
                s.sy[k] -= s.dy[k] * keep;
            }
        }
        _ => {
            for k in 0..CHUNK {
                s.sx[k] -= s.dx[k];
                s.sy[k] -= s.dy[k];
            }
        }
    }
}

/// Fills `s.plate` for a chunk whose scene points are `b + m * k`, whose source positions are
/// in `sx`, `sy` and which may reach the start areas `areas` (bits); returns whether any
/// pixel shows some of the plate.
fn plate_weights(
    plate: &PlateFrame,
    areas: u32,
    (bx, by): (f32, f32),
    (mx, my): (f32, f32),
    n: usize,
    s: &mut Scratch,
) -> bool {
    // In the reach of a start area whose fill shows (at its gain, if it is still fading in);
    // the last such area's window holds the plate there.
    s.weight.fill(0.0);
    for (i, v) in plate.areas.iter().enumerate() {
        if areas & area_bit(i) == 0 || v.gain <= 0.0 {
            continue;
        }
        for k in 0..CHUNK {
            let (dx, dy) = (s.sx[k] - v.sx, s.sy[k] - v.sy);
            let hit = dx * dx + dy * dy < v.reach2;
            s.weight[k] = if hit { 1.0 } else { s.weight[k] };
            s.area[k] = if hit { i as u32 } else { s.area[k] };
        }
    }
    if s.weight[..n].iter().all(|&c| c == 0.0) {
        return false;
    }
    if plate.fading {
        for v in plate.areas.iter().filter(|v| v.gain < 1.0) {
            for k in 0..CHUNK {
                let (dx, dy) = (s.sx[k] - v.sx, s.sy[k] - v.sy);
                if dx * dx + dy * dy < v.reach2 {
                    s.weight[k] *= v.gain;
                }
            }
        }
    }
    // Not inside a carried disk (with a one-pixel anti-aliased edge): there the content shows,
    // from the source. Only disks near the chunk's scene points count.
    let (ex, ey) = (bx + mx * (CHUNK - 1) as f32, by + my * (CHUNK - 1) as f32);
    let (x0, x1, y0, y1) = (bx.min(ex), bx.max(ex), by.min(ey), by.max(ey));
    for d in &plate.carried {
        let b = d.bounds;
        if x1 < b[0] || x0 > b[2] || y1 < b[1] || y0 > b[3] {
            continue;
        }
        for k in 0..CHUNK {
            let kf = k as f32;
            let (dx, dy) = (mx * kf + bx - d.cx, my * kf + by - d.cy);
            let e = (d.r2 - (dx * dx + dy * dy)) * d.inv_2r + 0.5;
            s.weight[k] *= 1.0 - e.clamp(0.0, 1.0);
        }
    }
    for k in 0..CHUNK {
        s.plate[k] = round_small(s.weight[k] * 256.0);
    }
    true
}

/// `round(v)` for `v` in `0 .. 2^22`: adding 1.5 * 2^23 leaves the rounded integer in the low
/// mantissa bits. Vectorises, unlike a saturating `as` cast.
#[inline(always)]
fn round_small(v: f32) -> u32 {
    (v + 12_582_912.0).to_bits() & 0x3f_ffff
}

/// Largest picture side [`round_small`] can convert positions for (`side * 256 < 2^22`);
/// larger pictures take a slower conversion.
pub(crate) const MAX_SIDE: usize = 16_383;
const _: () = assert!(MAX_SIDE * 256 < 1 << 22);

/// Converts the chunk's positions to 1/256 px fixed point, clamped to the picture.
fn fixed_positions(src: &PackedSource, s: &mut Scratch) {
    let (wmax, hmax) = src.max_position();
    let (wmax, hmax) = (wmax * 256.0, hmax * 256.0);
    // max/min rather than clamp: NaN goes to 0 instead of panicking.
    if src.width().max(src.height()) <= MAX_SIDE {
        for k in 0..CHUNK {
            s.fx[k] = round_small((s.sx[k] * 256.0).max(0.0).min(wmax));
            s.fy[k] = round_small((s.sy[k] * 256.0).max(0.0).min(hmax));
        }
    } else {
        for k in 0..CHUNK {
            s.fx[k] = ((s.sx[k] * 256.0).max(0.0).min(wmax) + 0.5) as u32;
            s.fy[k] = ((s.sy[k] * 256.0).max(0.0).min(hmax) + 0.5) as u32;
        }
    }
}

/// Samples the mapped chunk into `out` (3 bytes per pixel, `n` pixels).
pub(crate) fn sample_chunk(src: &PackedSource, s: &mut Scratch, n: usize, out: &mut [u8]) {
    fixed_positions(src, s);
    for ((px, &fx), &fy) in out[..n * 3]
        .chunks_exact_mut(3)
        .zip(&s.fx[..n])
        .zip(&s.fy[..n])
    {
        store(px, src.sample_fixed(fx, fy));
    }
}

/// Samples a plated chunk into `out`: the source, the plate or a blend of both.
pub(crate) fn sample_plated(
    src: &PackedSource,
    plate: &Plate,
    s: &mut Scratch,
    n: usize,
    out: &mut [u8],
) {
    fixed_positions(src, s);
    for ((((px, &fx), &fy), &a), &area) in out[..n * 3]
        .chunks_exact_mut(3)
        .zip(&s.fx[..n])
        .zip(&s.fy[..n])
        .zip(&s.plate[..n])
        .zip(&s.area[..n])
    {
        let v = match a {
            0 => src.sample_fixed(fx, fy),
            256 => plate.sample_fixed(area as usize, fx, fy),
            a => lerp(
                src.sample_fixed(fx, fy),
                plate.sample_fixed(area as usize, fx, fy),
                a as u64,
            ),
        };
        store(px, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_small_rounds_to_nearest() {
        for (v, r) in [
            (0.0, 0),
            (0.4, 0),
            (0.6, 1),
            (255.0, 255),
            (1919.0 * 256.0, 1919 * 256),
            (12345.7, 12346),
        ] {
            assert_eq!(round_small(v), r, "{v}");
        }
    }
}
