//! A small reader for the MP4 box tree, and the last touches to the file muxide wrote:
//!
//! - it checks `moov` comes before `mdat` (muxide's fast start does this);
//! - any edit list (`edts`, which holds `elst`) is turned into a `free` box of the same
//!   size, so nothing moves (muxide writes none today; this keeps it so);
//! - the track's duration is made exactly `frames / fps`. muxide gives the last frame the
//!   duration of the one before it, which is right except for a single-frame video, where
//!   it has nothing to go by and writes one tick.
//!
//! Every change is made in place, keeping each box's size, so `stco` offsets stay valid.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;

/// One box inside a buffer: its type, and where it and its payload lie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BoxRef {
    pub kind: [u8; 4],
    /// The whole box, header included.
    pub range: Range<usize>,
    /// The payload, after the header.
    pub body: Range<usize>,
}

/// Boxes that hold only other boxes, so the walk goes into them.
const CONTAINERS: [&[u8; 4]; 9] = [
    b"moov", b"trak", b"edts", b"mdia", b"minf", b"dinf", b"stbl", b"udta", b"mvex",
];

/// Parses a box header at `pos` within `buf` (which is `limit` long as far as boxes go).
/// Returns (type, header length, total size); size 0 means "to the end".
fn header(bytes: &[u8], pos: u64, limit: u64) -> Result<([u8; 4], u64, u64), String> {
    if bytes.len() < 8 {
        return Err(format!("truncated box header at byte {pos}"));
    }
    let size32 = u32::from_be_bytes(bytes[0..4].try_into().unwrap()) as u64;
    let kind: [u8; 4] = bytes[4..8].try_into().unwrap();
    let (head, size) = match size32 {
        0 => (8, limit - pos),
        1 => {
            if bytes.len() < 16 {
                return Err(format!("truncated large box header at byte {pos}"));
            }
            (16, u64::from_be_bytes(bytes[8..16].try_into().unwrap()))
        }
        n => (8, n),
    };
    if size < head || pos + size > limit {
        return Err(format!(
            "box '{}' at byte {pos} claims {size} bytes but only {} are there",
            String::from_utf8_lossy(&kind),
            limit - pos
        ));
    }
    Ok((kind, head, size))
}

/// The boxes laid out back to back in `buf[range]`.
pub(crate) fn children(buf: &[u8], range: Range<usize>) -> Result<Vec<BoxRef>, String> {
    let mut out = Vec::new();
    let mut pos = range.start;
    while pos < range.end {
        let (kind, head, size) = header(&buf[pos..range.end], pos as u64, range.end as u64)?;
        let (head, size) = (head as usize, size as usize);
        out.push(BoxRef {
            kind,
            range: pos..pos + size,
            body: pos + head..pos + size,
        });
        pos += size;
    }
    Ok(out)
}

/// Every box in `buf`, depth first, going into container boxes.
pub(crate) fn walk(buf: &[u8]) -> Result<Vec<BoxRef>, String> {
    fn go(buf: &[u8], range: Range<usize>, out: &mut Vec<BoxRef>) -> Result<(), String> {
        for b in children(buf, range)? {
            let inner = b.body.clone();
            let container = CONTAINERS.contains(&&b.kind);
            out.push(b);
            if container {
                go(buf, inner, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    go(buf, 0..buf.len(), &mut out)?;
    Ok(out)
}

/// The first box found by following `path` of types from the top of `buf`.
pub(crate) fn find(buf: &[u8], path: &[&[u8; 4]]) -> Result<Option<BoxRef>, String> {
    let mut range = 0..buf.len();
    let mut found = None;
    for kind in path {
        match children(buf, range.clone())?
            .into_iter()
            .find(|b| &&b.kind == kind)
        {
            Some(b) => {
                range = b.body.clone();
                found = Some(b);
            }
            None => return Ok(None),
        }
    }
    Ok(found)
}

/// Top-level boxes of a file: (type, offset, size).
pub(crate) fn top_level(file: &mut File) -> std::io::Result<Vec<([u8; 4], u64, u64)>> {
    let len = file.metadata()?.len();
    let mut out = Vec::new();
    let mut pos = 0u64;
    while pos < len {
        file.seek(SeekFrom::Start(pos))?;
        let mut head = [0u8; 16];
        let n = (len - pos).min(16) as usize;
        file.read_exact(&mut head[..n])?;
        let (kind, _, size) = header(&head[..n], pos, len)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        out.push((kind, pos, size));
        pos += size;
    }
    Ok(out)
}

/// Turns every `edts` box into a `free` box of the same size. Returns whether any was.
pub(crate) fn strip_edit_lists(moov: &mut [u8]) -> Result<bool, String> {
    let edts: Vec<BoxRef> = walk(moov)?
        .into_iter()
        .filter(|b| &b.kind == b"edts")
        .collect();
    for b in &edts {
        moov[b.range.start + 4..b.range.start + 8].copy_from_slice(b"free");
    }
    Ok(!edts.is_empty())
}

fn be32(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(buf[at..at + 4].try_into().unwrap())
}

/// Writes a duration field of a version 0 (32-bit, at `v0`) or version 1 (64-bit, at
/// `v1`) full box whose payload starts at `body`.
fn set_duration(
    buf: &mut [u8],
    body: usize,
    v0: usize,
    v1: usize,
    value: u64,
) -> Result<(), String> {
    if buf[body] == 1 {
        buf[body + v1..body + v1 + 8].copy_from_slice(&value.to_be_bytes());
    } else {
        let v = u32::try_from(value).map_err(|_| "duration too long for the MP4 header")?;
        buf[body + v0..body + v0 + 4].copy_from_slice(&v.to_be_bytes());
    }
    Ok(())
}

/// Makes the (single) video track last exactly `frames / fps`, rounded to its timescale,
/// by setting the last sample's duration when it has an `stts` entry of its own (always
/// so for one frame). Updates `mdhd`, `tkhd` and `mvhd` to match. Returns whether
/// anything changed.
pub(crate) fn fix_duration(moov: &mut [u8], frames: u32, fps: u32) -> Result<bool, String> {
    let missing = |what: &str| format!("the MP4 header has no {what}");
    let mvhd = find(moov, &[b"moov", b"mvhd"])?.ok_or_else(|| missing("mvhd"))?;
    let tkhd = find(moov, &[b"moov", b"trak", b"tkhd"])?.ok_or_else(|| missing("tkhd"))?;
    let mdhd = find(moov, &[b"moov", b"trak", b"mdia", b"mdhd"])?.ok_or_else(|| missing("mdhd"))?;
    let stts = find(
        moov,
        &[b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stts"],
    )?
    .ok_or_else(|| missing("stts"))?;
    let timescale = |b: &BoxRef| {
        let v1 = moov[b.body.start] == 1;
        be32(moov, b.body.start + if v1 { 20 } else { 12 }) as u64
    };
    let (movie_ts, media_ts) = (timescale(&mvhd), timescale(&mdhd));
    if movie_ts == 0 || media_ts == 0 {
        return Err("the MP4 header has a zero timescale".into());
    }

    let s = stts.body.start;
    let entries = be32(moov, s + 4) as usize;
    if entries == 0 || s + 8 + entries * 8 > stts.body.end {
        return Err("the MP4 sample timing table (stts) is empty or truncated".into());
    }
    let mut total = 0u64;
    for i in 0..entries {
        total += be32(moov, s + 8 + i * 8) as u64 * be32(moov, s + 12 + i * 8) as u64;
    }
    let want = (frames as u64 * media_ts + fps as u64 / 2) / fps as u64;
    let last = s + 8 + (entries - 1) * 8;
    let (last_count, last_delta) = (be32(moov, last), be32(moov, last + 4) as u64);
    if total == want || last_count != 1 || want <= total - last_delta {
        return Ok(false);
    }
    let delta = want - (total - last_delta);
    let delta = u32::try_from(delta).map_err(|_| "last frame too long for the MP4 header")?;
    moov[last + 4..last + 8].copy_from_slice(&delta.to_be_bytes());

    let movie = (want * movie_ts + media_ts / 2) / media_ts;
    set_duration(moov, mdhd.body.start, 16, 24, want)?;
    set_duration(moov, tkhd.body.start, 20, 28, movie)?;
    set_duration(moov, mvhd.body.start, 16, 24, movie)?;
    Ok(true)
}

/// Checks and finishes the file muxide wrote: `moov` before `mdat`, no edit list,
/// duration exactly `frames / fps`.
pub(crate) fn finalize(file: &mut File, frames: u32, fps: u32) -> Result<(), String> {
    let io = |e: std::io::Error| format!("could not read back the MP4 file: {e}");
    let top = top_level(file).map_err(io)?;
    let position = |kind: &[u8; 4]| top.iter().position(|(k, _, _)| k == kind);
    let (Some(moov_at), Some(mdat_at)) = (position(b"moov"), position(b"mdat")) else {
        return Err("the MP4 file has no moov or no mdat box".into());
    };
    if moov_at > mdat_at {
        return Err("the MP4 file has its moov box after the media data (no fast start)".into());
    }
    let (_, offset, size) = top[moov_at];
    let mut moov = vec![0u8; size as usize];
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    file.read_exact(&mut moov).map_err(io)?;
    let stripped = strip_edit_lists(&mut moov)?;
    let fixed = fix_duration(&mut moov, frames, fps)?;
    if stripped || fixed {
        let w = |e: std::io::Error| format!("could not update the MP4 header: {e}");
        file.seek(SeekFrom::Start(offset)).map_err(w)?;
        file.write_all(&moov).map_err(w)?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn mk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    fn full(version: u8, fields: &[u64], wide: &[bool]) -> Vec<u8> {
        let mut b = vec![version, 0, 0, 0];
        for (v, w) in fields.iter().zip(wide) {
            if *w {
                b.extend_from_slice(&v.to_be_bytes());
            } else {
                b.extend_from_slice(&(*v as u32).to_be_bytes());
            }
        }
        b
    }

    /// A moov shaped like muxide's: mvhd (ms), tkhd, mdhd (90 kHz), stts with `stts`
    /// entries, and optionally an edit list.
    fn moov(stts: &[(u32, u32)], with_edts: bool) -> Vec<u8> {
        let total: u64 = stts.iter().map(|(c, d)| *c as u64 * *d as u64).sum();
        let ms = total * 1000 / 90_000;
        let mvhd = mk(b"mvhd", &full(0, &[0, 0, 1000, ms, 0x10000], &[false; 5]));
        let tkhd = mk(b"tkhd", &full(0, &[0, 0, 1, 0, ms], &[false; 5]));
        let mdhd = mk(b"mdhd", &full(0, &[0, 0, 90_000, total, 0], &[false; 5]));
        let mut stts_body = vec![0, 0, 0, 0];
        stts_body.extend_from_slice(&(stts.len() as u32).to_be_bytes());
        for (c, d) in stts {
            stts_body.extend_from_slice(&c.to_be_bytes());
            stts_body.extend_from_slice(&d.to_be_bytes());
        }
        let stbl = mk(
            b"stbl",
            &[mk(b"stsd", &[0; 8]), mk(b"stts", &stts_body)].concat(),
        );
        let minf = mk(b"minf", &stbl);
        let mdia = mk(b"mdia", &[mdhd, mk(b"hdlr", &[0; 24]), minf].concat());
        let mut trak = tkhd;
        if with_edts {
            trak.extend(mk(b"edts", &mk(b"elst", &[0; 16])));
        }
        trak.extend(mdia);
        mk(b"moov", &[mvhd, mk(b"trak", &trak)].concat())
    }

    fn kinds(buf: &[u8]) -> Vec<String> {
        walk(buf)
            .unwrap()
            .iter()
            .map(|b| String::from_utf8_lossy(&b.kind).into_owned())
            .collect()
    }

    #[test]
    fn walks_nested_boxes_and_large_sizes() {
        let m = moov(&[(60, 3000)], true);
        let k = kinds(&m);
        assert_eq!(k[..4], ["moov", "mvhd", "trak", "tkhd"]);
        assert!(k.contains(&"elst".to_string()) && k.contains(&"stts".to_string()));
        // A 64-bit size header.
        let mut big = 1u32.to_be_bytes().to_vec();
        big.extend_from_slice(b"free");
        big.extend_from_slice(&20u64.to_be_bytes());
        big.extend_from_slice(&[0; 4]);
        let c = children(&big, 0..big.len()).unwrap();
        assert_eq!((c[0].range.clone(), c[0].body.clone()), (0..20, 16..20));
    }

    #[test]
    fn rejects_boxes_that_overrun() {
        let mut m = mk(b"free", &[0; 4]);
        m[3] = 50;
        assert!(walk(&m).unwrap_err().contains("free"));
        assert!(walk(&[0, 0, 0]).is_err());
    }

    #[test]
    fn edit_lists_become_free_space_of_the_same_size() {
        let mut m = moov(&[(60, 3000)], true);
        let len = m.len();
        assert!(strip_edit_lists(&mut m).unwrap());
        assert_eq!(m.len(), len);
        let k = kinds(&m);
        assert!(!k.iter().any(|k| k == "edts" || k == "elst"), "{k:?}");
        assert!(k.contains(&"free".to_string()));
        assert!(!strip_edit_lists(&mut m).unwrap());
    }

    fn durations(m: &[u8]) -> (u32, u32, u32, u32) {
        let body = |p: &[&[u8; 4]]| find(m, p).unwrap().unwrap().body.start;
        let stts = body(&[b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stts"]);
        let n = be32(m, stts + 4) as usize;
        (
            be32(m, body(&[b"moov", b"mvhd"]) + 16),
            be32(m, body(&[b"moov", b"trak", b"tkhd"]) + 20),
            be32(m, body(&[b"moov", b"trak", b"mdia", b"mdhd"]) + 16),
            be32(m, stts + 8 + (n - 1) * 8 + 4),
        )
    }

    #[test]
    fn a_single_frame_lasts_one_frame() {
        // What muxide writes for one frame: one sample of one tick.
        let mut m = moov(&[(1, 1)], false);
        assert!(fix_duration(&mut m, 1, 30).unwrap());
        assert_eq!(durations(&m), (33, 33, 3000, 3000));
        // At 1 fps the frame lasts a second.
        let mut m = moov(&[(1, 1)], false);
        assert!(fix_duration(&mut m, 1, 1).unwrap());
        assert_eq!(durations(&m), (1000, 1000, 90_000, 90_000));
    }

    #[test]
    fn correct_durations_are_left_alone() {
        let mut m = moov(&[(60, 3000)], false);
        let before = m.clone();
        assert!(!fix_duration(&mut m, 60, 30).unwrap());
        assert_eq!(m, before);
        // A last frame with its own entry is set to end exactly on time.
        // (4 frames at 7 fps end at tick 51_429.)
        let mut m = moov(&[(3, 12_857), (1, 12_857)], false);
        assert!(fix_duration(&mut m, 4, 7).unwrap());
        assert_eq!(durations(&m), (571, 571, 51_429, 12_858));
    }
}
