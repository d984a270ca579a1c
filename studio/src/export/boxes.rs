//! A small reader for the MP4 box tree, and the last touches to the file muxide wrote:
//!
//! - it checks `moov` comes before `mdat` (muxide's fast start does this);
//! - any edit list (`edts`, which holds `elst`) is turned into a `free` box of the same
//!   size, so nothing moves (muxide writes none today; this keeps it so);
//! - the video track's duration is made exactly `frames / fps`. muxide gives the last frame
//!   the duration of the one before it, which is right except for a single-frame video,
//!   where it has nothing to go by and writes one tick;
//! - a sound track's duration is made exactly the samples it holds: muxide gives every AAC
//!   frame 1024 samples, but the last one is mostly padding, so its duration is cut to the
//!   samples it really carries and the sound ends with the video.
//!
//! Changes are made in place, keeping each box's size, so `stco` offsets stay valid, with
//! one exception: shortening the last AAC frame needs one more `stts` entry (8 bytes).
//! Then `moov` grows, everything after it moves 8 bytes on, and every chunk offset is
//! moved with it.

use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;

use super::ExportError;

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
    find_in(buf, 0..buf.len(), path)
}

/// [`find`] starting among the boxes in `buf[range]`.
pub(crate) fn find_in(
    buf: &[u8],
    range: Range<usize>,
    path: &[&[u8; 4]],
) -> Result<Option<BoxRef>, String> {
    let mut range = range;
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
pub(crate) fn top_level(
    file: &mut (impl Seek + Read),
) -> std::io::Result<Vec<([u8; 4], u64, u64)>> {
    let len = file.seek(SeekFrom::End(0))?;
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

/// The `trak` boxes in `moov`, each with its handler type (`vide`, `soun`, ...; zeros if
/// it has none).
fn tracks(moov: &[u8]) -> Result<Vec<(BoxRef, [u8; 4])>, String> {
    let Some(top) = find(moov, &[b"moov"])? else {
        return Err("the MP4 header has no moov".into());
    };
    let mut out = Vec::new();
    for trak in children(moov, top.body.clone())? {
        if &trak.kind != b"trak" {
            continue;
        }
        let handler = match find_in(moov, trak.body.clone(), &[b"mdia", b"hdlr"])? {
            Some(h) if h.body.len() >= 12 => moov[h.body.start + 8..h.body.start + 12]
                .try_into()
                .unwrap_or([0; 4]),
            _ => [0; 4],
        };
        out.push((trak, handler));
    }
    Ok(out)
}

/// The boxes of one track that hold its timing.
struct Timing {
    tkhd: BoxRef,
    mdhd: BoxRef,
    stts: BoxRef,
}

fn timing(moov: &[u8], trak: &BoxRef) -> Result<Timing, String> {
    let missing = |what: &str| format!("the MP4 header has a track with no {what}");
    let get = |path: &[&[u8; 4]], what: &str| {
        find_in(moov, trak.body.clone(), path)?.ok_or_else(|| missing(what))
    };
    Ok(Timing {
        tkhd: get(&[b"tkhd"], "tkhd")?,
        mdhd: get(&[b"mdia", b"mdhd"], "mdhd")?,
        stts: get(&[b"mdia", b"minf", b"stbl", b"stts"], "stts")?,
    })
}

/// The timescale of an `mvhd` or `mdhd` box.
fn timescale(moov: &[u8], b: &BoxRef) -> u64 {
    let v1 = moov[b.body.start] == 1;
    be32(moov, b.body.start + if v1 { 20 } else { 12 }) as u64
}

/// The duration field of an `mvhd` or `mdhd` box.
fn duration(moov: &[u8], b: &BoxRef) -> u64 {
    if moov[b.body.start] == 1 {
        u64::from_be_bytes(
            moov[b.body.start + 24..b.body.start + 32]
                .try_into()
                .unwrap(),
        )
    } else {
        be32(moov, b.body.start + 16) as u64
    }
}

/// The `stts` entries (count, delta), checked against the box's size.
fn stts_entries(moov: &[u8], stts: &BoxRef) -> Result<Vec<(u32, u32)>, String> {
    let s = stts.body.start;
    let entries = be32(moov, s + 4) as usize;
    if entries == 0 || s + 8 + entries * 8 > stts.body.end {
        return Err("the MP4 sample timing table (stts) is empty or truncated".into());
    }
    Ok((0..entries)
        .map(|i| (be32(moov, s + 8 + i * 8), be32(moov, s + 12 + i * 8)))
        .collect())
}

/// Sets a track's `mdhd` and `tkhd` durations to `media` ticks, and raises `mvhd`'s to
/// match, or sets it when `set_movie`.
fn set_track_duration(
    moov: &mut [u8],
    t: &Timing,
    media: u64,
    set_movie: bool,
) -> Result<(), String> {
    let mvhd = find(moov, &[b"moov", b"mvhd"])?.ok_or("the MP4 header has no mvhd")?;
    let (movie_ts, media_ts) = (timescale(moov, &mvhd), timescale(moov, &t.mdhd));
    let movie = (media * movie_ts + media_ts / 2) / media_ts;
    set_duration(moov, t.mdhd.body.start, 16, 24, media)?;
    set_duration(moov, t.tkhd.body.start, 20, 28, movie)?;
    if set_movie || movie > duration(moov, &mvhd) {
        set_duration(moov, mvhd.body.start, 16, 24, movie)?;
    }
    Ok(())
}

/// Makes the video track last exactly `frames / fps`, rounded to its timescale, by
/// setting the last sample's duration when it has an `stts` entry of its own (always so
/// for one frame). Updates `mdhd`, `tkhd` and `mvhd` to match. Returns whether anything
/// changed. The video track is the one whose handler is `vide` (or else the first track
/// that is not sound).
pub(crate) fn fix_duration(moov: &mut [u8], frames: u32, fps: u32) -> Result<bool, String> {
    let traks = tracks(moov)?;
    let trak = traks
        .iter()
        .find(|(_, h)| h == b"vide")
        .or_else(|| traks.iter().find(|(_, h)| h != b"soun"))
        .map(|(t, _)| t.clone())
        .ok_or("the MP4 header has no video track")?;
    let t = timing(moov, &trak)?;
    let mvhd = find(moov, &[b"moov", b"mvhd"])?.ok_or("the MP4 header has no mvhd")?;
    let (movie_ts, media_ts) = (timescale(moov, &mvhd), timescale(moov, &t.mdhd));
    if movie_ts == 0 || media_ts == 0 {
        return Err("the MP4 header has a zero timescale".into());
    }
    let entries = stts_entries(moov, &t.stts)?;
    let total: u64 = entries.iter().map(|(c, d)| *c as u64 * *d as u64).sum();
    let want = (frames as u64 * media_ts + fps as u64 / 2) / fps as u64;
    let (last_count, last_delta) = entries[entries.len() - 1];
    let last_delta = last_delta as u64;
    if total == want || last_count != 1 || want <= total - last_delta {
        return Ok(false);
    }
    let delta = want - (total - last_delta);
    let delta = u32::try_from(delta).map_err(|_| "last frame too long for the MP4 header")?;
    let last = t.stts.body.start + 8 + (entries.len() - 1) * 8;
    moov[last + 4..last + 8].copy_from_slice(&delta.to_be_bytes());
    set_track_duration(moov, &t, want, true)?;
    Ok(true)
}

/// Makes the sound track last exactly `samples` at `rate` Hz: the last sample's duration
/// becomes what remains after the others. When that sample shares its `stts` entry with
/// others, the entry is split, growing `moov` by 8 bytes, and every chunk offset (`stco`,
/// `co64`) in it moves on by those 8 bytes: the caller must move everything after `moov`
/// as well. Returns how many bytes `moov` grew (0 or 8); a file with no sound track is
/// left alone.
pub(crate) fn fix_audio_duration(
    moov: &mut Vec<u8>,
    samples: u64,
    rate: u64,
) -> Result<usize, String> {
    let Some(trak) = tracks(moov)?
        .into_iter()
        .find(|(_, h)| h == b"soun")
        .map(|(t, _)| t)
    else {
        return Ok(0);
    };
    let t = timing(moov, &trak)?;
    let media_ts = timescale(moov, &t.mdhd);
    if media_ts == 0 || rate == 0 {
        return Err("the MP4 sound track has a zero timescale".into());
    }
    let entries = stts_entries(moov, &t.stts)?;
    let total: u64 = entries.iter().map(|(c, d)| *c as u64 * *d as u64).sum();
    let want = (samples * media_ts + rate / 2) / rate;
    if total == want {
        return Ok(0);
    }
    let (last_count, last_delta) = entries[entries.len() - 1];
    let before = total - last_delta as u64;
    if want <= before {
        return Err(format!(
            "the sound track holds more frames than its {samples} samples need"
        ));
    }
    let delta =
        u32::try_from(want - before).map_err(|_| "last sound frame too long for the MP4 header")?;
    set_track_duration(moov, &t, want, false)?;
    let last = t.stts.body.start + 8 + (entries.len() - 1) * 8;
    if last_count == 1 {
        moov[last + 4..last + 8].copy_from_slice(&delta.to_be_bytes());
        return Ok(0);
    }
    // Every box that holds the new entry grows by 8 bytes. They all start before it, so
    // their positions stay put: note them first.
    let mut holders = vec![find(moov, &[b"moov"])?.ok_or("the MP4 header has no moov")?];
    holders.push(trak.clone());
    for path in [
        &[b"mdia"][..],
        &[b"mdia", b"minf"],
        &[b"mdia", b"minf", b"stbl"],
    ] {
        holders.push(
            find_in(moov, trak.body.clone(), path)?
                .ok_or("the MP4 sound track is missing a box")?,
        );
    }
    holders.push(t.stts.clone());
    if holders
        .iter()
        .any(|b| matches!(be32(moov, b.range.start), 0 | 1))
    {
        return Err("the MP4 header uses a box size form this writer does not grow".into());
    }
    // Split the last entry: (count - 1, delta) then (1, shortened).
    moov[last..last + 4].copy_from_slice(&(last_count - 1).to_be_bytes());
    let count_at = t.stts.body.start + 4;
    let n = be32(moov, count_at) + 1;
    moov[count_at..count_at + 4].copy_from_slice(&n.to_be_bytes());
    let mut entry = 1u32.to_be_bytes().to_vec();
    entry.extend_from_slice(&delta.to_be_bytes());
    let at = last + 8;
    moov.splice(at..at, entry);
    for b in &holders {
        let size = be32(moov, b.range.start) + 8;
        moov[b.range.start..b.range.start + 4].copy_from_slice(&size.to_be_bytes());
    }
    shift_chunk_offsets(moov, 8)?;
    Ok(8)
}

/// Adds `by` to every chunk offset in `moov`.
fn shift_chunk_offsets(moov: &mut [u8], by: u64) -> Result<(), String> {
    for b in walk(moov)? {
        let wide = match &b.kind {
            b"stco" => false,
            b"co64" => true,
            _ => continue,
        };
        let s = b.body.start;
        let n = be32(moov, s + 4) as usize;
        let width = if wide { 8 } else { 4 };
        if s + 8 + n * width > b.body.end {
            return Err("the MP4 chunk offset table is truncated".into());
        }
        for i in 0..n {
            let at = s + 8 + i * width;
            if wide {
                let v = u64::from_be_bytes(moov[at..at + 8].try_into().unwrap()) + by;
                moov[at..at + 8].copy_from_slice(&v.to_be_bytes());
            } else {
                let v = u32::try_from(be32(moov, at) as u64 + by)
                    .map_err(|_| "the MP4 file is too large for 32-bit chunk offsets")?;
                moov[at..at + 4].copy_from_slice(&v.to_be_bytes());
            }
        }
    }
    Ok(())
}

/// Moves the bytes of `file` from `from` to its end `by` bytes further on, last chunk
/// first so nothing is overwritten before it is copied.
fn shift_tail(file: &mut (impl Read + Write + Seek), from: u64, by: u64) -> std::io::Result<()> {
    const CHUNK: u64 = 1 << 20;
    let len = file.seek(SeekFrom::End(0))?;
    let mut buf = vec![0u8; CHUNK as usize];
    let mut end = len;
    while end > from {
        let start = end.saturating_sub(CHUNK).max(from);
        let n = (end - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf[..n])?;
        file.seek(SeekFrom::Start(start + by))?;
        file.write_all(&buf[..n])?;
        end = start;
    }
    Ok(())
}

/// Checks and finishes the file muxide wrote (at `path`): `moov` before `mdat`, no edit
/// list, video duration exactly `frames / fps`, and, when `audio_samples` is given, a sound
/// track lasting exactly that many 48 kHz samples.
pub(crate) fn finalize(
    file: &mut (impl Read + Write + Seek),
    path: &Path,
    frames: u32,
    fps: u32,
    audio_samples: Option<u64>,
) -> Result<(), ExportError> {
    let io = |e: std::io::Error| ExportError::io("read back", path, e);
    let top = top_level(file).map_err(io)?;
    let position = |kind: &[u8; 4]| top.iter().position(|(k, _, _)| k == kind);
    let (Some(moov_at), Some(mdat_at)) = (position(b"moov"), position(b"mdat")) else {
        return Err(ExportError::Muxer(
            "the MP4 file has no moov or no mdat box".into(),
        ));
    };
    if moov_at > mdat_at {
        return Err(ExportError::Muxer(
            "the MP4 file has its moov box after the media data (no fast start)".into(),
        ));
    }
    let (_, offset, size) = top[moov_at];
    let mut moov = vec![0u8; size as usize];
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    file.read_exact(&mut moov).map_err(io)?;
    let original = moov.clone();
    let header = |e: String| ExportError::Muxer(e);
    strip_edit_lists(&mut moov).map_err(header)?;
    fix_duration(&mut moov, frames, fps).map_err(header)?;
    let grown = match audio_samples {
        Some(samples) => fix_audio_duration(&mut moov, samples, 48_000).map_err(header)?,
        None => 0,
    };
    if moov != original {
        let w = |e: std::io::Error| ExportError::io("update the MP4 header of", path, e);
        if grown > 0 {
            shift_tail(file, offset + size, grown as u64).map_err(w)?;
        }
        file.seek(SeekFrom::Start(offset)).map_err(w)?;
        file.write_all(&moov).map_err(w)?;
        file.flush().map_err(w)?;
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

    fn hdlr(kind: &[u8; 4]) -> Vec<u8> {
        let mut body = vec![0u8; 8];
        body.extend_from_slice(kind);
        body.extend_from_slice(&[0; 13]);
        mk(b"hdlr", &body)
    }

    fn trak(kind: &[u8; 4], stts: &[(u32, u32)], offsets: &[u32]) -> Vec<u8> {
        let total: u64 = stts.iter().map(|(c, d)| *c as u64 * *d as u64).sum();
        let tkhd = mk(b"tkhd", &full(0, &[0, 0, 1, 0, total / 90], &[false; 5]));
        let mdhd = mk(b"mdhd", &full(0, &[0, 0, 90_000, total, 0], &[false; 5]));
        let mut stts_body = vec![0, 0, 0, 0];
        stts_body.extend_from_slice(&(stts.len() as u32).to_be_bytes());
        for (c, d) in stts {
            stts_body.extend_from_slice(&c.to_be_bytes());
            stts_body.extend_from_slice(&d.to_be_bytes());
        }
        let mut stco_body = vec![0, 0, 0, 0];
        stco_body.extend_from_slice(&(offsets.len() as u32).to_be_bytes());
        for o in offsets {
            stco_body.extend_from_slice(&o.to_be_bytes());
        }
        let stbl = mk(
            b"stbl",
            &[
                mk(b"stsd", &[0; 8]),
                mk(b"stts", &stts_body),
                mk(b"stco", &stco_body),
            ]
            .concat(),
        );
        let mdia = mk(b"mdia", &[mdhd, hdlr(kind), mk(b"minf", &stbl)].concat());
        mk(b"trak", &[tkhd, mdia].concat())
    }

    /// A moov like muxide's with sound: video (60 frames at 30 fps) then 94 AAC frames.
    fn av_moov(audio_stts: &[(u32, u32)]) -> Vec<u8> {
        let mvhd = mk(b"mvhd", &full(0, &[0, 0, 1000, 2000, 0x10000], &[false; 5]));
        let video = trak(b"vide", &[(60, 3000)], &[1000, 5000]);
        let audio = trak(b"soun", audio_stts, &[3000, 7000]);
        mk(b"moov", &[mvhd, video, audio].concat())
    }

    fn track_of(m: &[u8], kind: &[u8; 4]) -> (Vec<(u32, u32)>, Vec<u32>, u64) {
        let (t, _) = tracks(m)
            .unwrap()
            .into_iter()
            .find(|(_, h)| h == kind)
            .unwrap();
        let tm = timing(m, &t).unwrap();
        let stco = find_in(m, t.body.clone(), &[b"mdia", b"minf", b"stbl", b"stco"])
            .unwrap()
            .unwrap();
        let n = be32(m, stco.body.start + 4) as usize;
        let offsets = (0..n)
            .map(|i| be32(m, stco.body.start + 8 + 4 * i))
            .collect();
        (
            stts_entries(m, &tm.stts).unwrap(),
            offsets,
            duration(m, &tm.mdhd),
        )
    }

    #[test]
    fn the_sound_track_ends_with_its_last_sample() {
        // 2 s of sound is 96000 samples: 93.75 AAC frames, written as 94 of 1920 ticks.
        let mut m = av_moov(&[(94, 1920)]);
        let grown = fix_audio_duration(&mut m, 96_000, 48_000).unwrap();
        assert_eq!(grown, 8);
        assert_eq!(m.len(), av_moov(&[(94, 1920)]).len() + 8);
        walk(&m).unwrap();
        let (stts, offsets, dur) = track_of(&m, b"soun");
        assert_eq!(stts, vec![(93, 1920), (1, 1440)]);
        assert_eq!(dur, 180_000);
        // Every chunk offset, in both tracks, moved with the data.
        assert_eq!(offsets, vec![3008, 7008]);
        let (vstts, voffsets, vdur) = track_of(&m, b"vide");
        assert_eq!(
            (vstts, voffsets, vdur),
            (vec![(60, 3000)], vec![1008, 5008], 180_000)
        );
        let mvhd = find(&m, &[b"moov", b"mvhd"]).unwrap().unwrap();
        assert_eq!(duration(&m, &mvhd), 2000);
        // Done once, it is done: nothing more to change.
        assert_eq!(fix_audio_duration(&mut m, 96_000, 48_000).unwrap(), 0);
    }

    #[test]
    fn a_lone_last_sound_sample_is_shortened_in_place() {
        let mut m = av_moov(&[(93, 1920), (1, 1920)]);
        let len = m.len();
        assert_eq!(fix_audio_duration(&mut m, 96_000, 48_000).unwrap(), 0);
        assert_eq!(m.len(), len);
        assert_eq!(track_of(&m, b"soun").0, vec![(93, 1920), (1, 1440)]);
        // Too many frames for the samples is an error, not a negative duration.
        let mut m = av_moov(&[(94, 1920)]);
        assert!(fix_audio_duration(&mut m, 40_000, 48_000).is_err());
        // No sound track: nothing to do.
        let mut m = moov(&[(60, 3000)], false);
        assert_eq!(fix_audio_duration(&mut m, 96_000, 48_000).unwrap(), 0);
    }

    #[test]
    fn the_video_track_is_found_beside_a_sound_track() {
        let mut m = av_moov(&[(94, 1920)]);
        // A 61st frame's worth: the video track's own entry is shared, so nothing changes.
        assert!(!fix_duration(&mut m, 60, 30).unwrap());
        assert_eq!(track_of(&m, b"vide").0, vec![(60, 3000)]);
    }
}
