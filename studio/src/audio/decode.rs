//! Reading sound files through symphonia. The format is found from the bytes (symphonia's
//! probe), never from the file name, so a PNG called `song.wav` is refused as what it is.
//!
//! Damaged files: a file that stops early (cut off in a copy or a download) gives the sound
//! that was decodable, with a warning in [`Decoded::warning`] saying how much was read,
//! because keeping 2 minutes of a 3 minute song is more useful than nothing and the UI can
//! show the warning. A file from which nothing decodes, or whose packets mostly fail to
//! decode, is an error ([`AudioError::Corrupt`] / [`AudioError::Truncated`]).

use std::fs::File;
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use super::{resample, AudioError, Pcm};

/// The longest file accepted: 3 hours (at 48 kHz stereo f32 that is 4 GB in memory).
pub const MAX_SECONDS: f64 = 3.0 * 3600.0;

/// A file's sound as stored: its own rate and channel count, one plane per channel.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub sample_rate: u32,
    /// One plane per channel, all the same length.
    pub planes: Vec<Vec<f32>>,
    /// What the codec was, for the UI ("flac", "mp3", ...).
    pub codec: String,
    /// Set when only part of the file could be decoded: what happened and how much was read.
    pub warning: Option<String>,
}

impl Decoded {
    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.planes.first().map_or(0, Vec::len)
    }
}

/// A file ready for the timeline: 48 kHz stereo, with where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub pcm: Pcm,
    pub source_rate: u32,
    pub source_channels: usize,
    pub codec: String,
    pub warning: Option<String>,
}

/// Decodes `path` and converts it to 48 kHz stereo.
pub fn load(path: &Path) -> Result<Loaded, AudioError> {
    let decoded = decode_file(path)?;
    let pcm = resample::to_pcm(&decoded.planes, decoded.sample_rate);
    Ok(Loaded {
        pcm,
        source_rate: decoded.sample_rate,
        source_channels: decoded.planes.len(),
        codec: decoded.codec,
        warning: decoded.warning,
    })
}

/// Fraction of packets allowed to fail before the file counts as damaged rather than
/// merely scratched (one bad frame in an otherwise good mp3 is skipped, as players do).
const MAX_BAD_PACKET_FRACTION: f64 = 0.05;

/// The most channels a sound file may state: far beyond music or voice (7.1 is 8), and as many
/// as a WAVE channel mask (32 bits) can place.
const MAX_CHANNELS: u16 = 32;

/// Decodes every sample of the first audio track of `path`, at its own rate.
///
/// A file whose bytes make the decoder itself fail (a bug in a format reader: arithmetic on
/// header fields it does not check) is reported as damaged, never allowed to take the app or
/// the CLI down with it.
pub fn decode_file(path: &Path) -> Result<Decoded, AudioError> {
    check_wave_header(path)?;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_checked(path))).unwrap_or_else(
        |_| {
            Err(AudioError::Corrupt {
                path: path.to_path_buf(),
                detail: "its header holds values the decoder cannot handle".into(),
            })
        },
    )
}

/// Refuses a WAVE file stating an impossible channel count before symphonia reads it: its
/// WAVE reader multiplies and shifts by the count unchecked (found by fuzzing).
fn check_wave_header(path: &Path) -> Result<(), AudioError> {
    use std::io::Read;
    let mut head = Vec::new();
    let read = File::open(path).and_then(|f| f.take(64 << 10).read_to_end(&mut head));
    if read.is_err() || !(head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WAVE")) {
        // Not a WAVE file (or unreadable): the probe says what it is.
        return Ok(());
    }
    let mut at = 12;
    while let Some(header) = head.get(at..at + 8) {
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        if &header[..4] == b"fmt " {
            if let Some(&[lo, hi]) = head.get(at + 10..at + 12) {
                let channels = u16::from_le_bytes([lo, hi]);
                if channels == 0 || channels > MAX_CHANNELS {
                    return Err(AudioError::Corrupt {
                        path: path.to_path_buf(),
                        detail: format!(
                            "it says it holds {channels} channels; a sound file has 1 to \
                             {MAX_CHANNELS}"
                        ),
                    });
                }
            }
            return Ok(());
        }
        at = match (at + 8).checked_add(size + (size & 1)) {
            Some(next) => next,
            None => return Ok(()),
        };
    }
    Ok(())
}

fn decode_checked(path: &Path) -> Result<Decoded, AudioError> {
    let p = || path.to_path_buf();
    let file = File::open(path).map_err(|source| AudioError::Io { path: p(), source })?;
    let len = file
        .metadata()
        .map_err(|source| AudioError::Io { path: p(), source })?
        .len();
    if len == 0 {
        return Err(AudioError::EmptyFile { path: p() });
    }
    let mss = MediaSourceStream::new(Box::new(file), MediaSourceStreamOptions::default());
    // No hint from the extension: the content decides.
    let mut format = symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| probe_error(path, e))?;

    let track = format
        .default_track(TrackType::Audio)
        .or_else(|| {
            format
                .tracks()
                .iter()
                .find(|t| t.codec_params.as_ref().and_then(|c| c.audio()).is_some())
        })
        .ok_or_else(|| AudioError::NoAudioTrack { path: p() })?;
    let track_id = track.id;
    let expected_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|c| c.audio())
        .ok_or_else(|| AudioError::NoAudioTrack { path: p() })?
        .clone();
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::UnsupportedCodec {
            path: p(),
            detail: e.to_string(),
        })?;
    let codec = decoder.codec_info().short_name.to_string();

    let mut rate = params.sample_rate.unwrap_or(0);
    let mut planes: Vec<Vec<f32>> = Vec::new();
    let mut scratch: Vec<Vec<f32>> = Vec::new();
    let (mut good, mut bad) = (0u64, 0u64);
    let mut first_bad: Option<String> = None;
    // Why decoding stopped before the natural end of the stream, if it did.
    let mut cut_short: Option<String> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                cut_short = Some("the file ends in the middle of the sound".into());
                break;
            }
            Err(SymError::ResetRequired) => {
                cut_short = Some("the stream changes format part-way".into());
                break;
            }
            Err(SymError::IoError(source)) => return Err(AudioError::Io { path: p(), source }),
            Err(e) => {
                cut_short = Some(format!("the rest of the file is unreadable: {e}"));
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                good += 1;
                if buf.frames() == 0 {
                    continue;
                }
                let spec_rate = buf.spec().rate();
                if rate == 0 {
                    rate = spec_rate;
                }
                if spec_rate != rate {
                    cut_short = Some("the sample rate changes part-way".into());
                    break;
                }
                buf.copy_to_vecs_planar::<f32>(&mut scratch);
                if planes.is_empty() {
                    planes = vec![Vec::new(); scratch.len()];
                }
                if scratch.len() != planes.len() {
                    cut_short = Some("the channel count changes part-way".into());
                    break;
                }
                for (plane, part) in planes.iter_mut().zip(&scratch) {
                    plane.extend_from_slice(part);
                }
                let seconds = planes[0].len() as f64 / rate.max(1) as f64;
                if seconds > MAX_SECONDS {
                    return Err(AudioError::TooLong {
                        path: p(),
                        seconds,
                        limit: MAX_SECONDS,
                    });
                }
            }
            // A damaged packet: skip it, as players do, but count it.
            Err(SymError::DecodeError(msg)) => {
                bad += 1;
                first_bad.get_or_insert_with(|| msg.to_string());
            }
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                cut_short = Some("the file ends in the middle of the sound".into());
                break;
            }
            Err(SymError::Unsupported(what)) => {
                return Err(AudioError::UnsupportedCodec {
                    path: p(),
                    detail: what.to_string(),
                })
            }
            Err(e) => {
                bad += 1;
                first_bad.get_or_insert_with(|| e.to_string());
            }
        }
    }

    let frames = planes.first().map_or(0, Vec::len);
    if bad > 0 && bad as f64 > MAX_BAD_PACKET_FRACTION * (good + bad) as f64 {
        return Err(AudioError::Corrupt {
            path: p(),
            detail: format!(
                "{bad} of {} packets failed to decode, the first with: {}",
                good + bad,
                first_bad.unwrap_or_default()
            ),
        });
    }
    if frames == 0 {
        return Err(match cut_short {
            Some(_) => AudioError::Truncated { path: p() },
            None if bad > 0 => AudioError::Corrupt {
                path: p(),
                detail: first_bad.unwrap_or_default(),
            },
            None => AudioError::NoSamples { path: p() },
        });
    }
    // Containers that state their length (flac, wav, mp4) reveal a cut that ends cleanly
    // on a packet boundary.
    if cut_short.is_none() {
        if let Some(n) = expected_frames {
            // A little slack for codec padding that gapless trimming accounts differently.
            if (frames as u64) + 4096 < n {
                cut_short = Some(format!(
                    "the file says it holds {:.2} s",
                    n as f64 / rate as f64
                ));
            }
        }
    }
    // AAC in MP4: symphonia leaves the encoder's priming in; the edit list says how much
    // to skip (and how long the sound really is), as every player reads it.
    if codec.contains("aac") {
        if let Some((skip, keep)) = mp4_edit(path, rate) {
            for plane in &mut planes {
                let s = (skip as usize).min(plane.len());
                plane.drain(..s);
                if let Some(k) = keep {
                    plane.truncate(k as usize);
                }
            }
        }
    }
    let frames = planes.first().map_or(0, Vec::len);
    let warning = cut_short.map(|why| {
        format!(
            "{}: only the first {:.2} s could be decoded ({why}); the file may have been cut \
             off while copying or exporting",
            path.display(),
            frames as f64 / rate as f64
        )
    });
    Ok(Decoded {
        sample_rate: rate,
        planes,
        codec,
        warning,
    })
}

/// The edit list of an MP4 file's sound track, as (samples to skip at the start, samples
/// to keep after that), at `rate`. None when the file is not MP4 or has no usable edit.
fn mp4_edit(path: &Path, rate: u32) -> Option<(u64, Option<u64>)> {
    use crate::export::boxes::{children, find_in, top_level};
    use std::io::{Read, Seek, SeekFrom};
    let mut file = File::open(path).ok()?;
    let top = top_level(&mut file).ok()?;
    let &(_, offset, size) = top.iter().find(|(k, _, _)| k == b"moov")?;
    if size > 64 << 20 {
        return None;
    }
    let mut moov = vec![0u8; size as usize];
    file.seek(SeekFrom::Start(offset)).ok()?;
    file.read_exact(&mut moov).ok()?;
    let be32 = |at: usize| -> Option<u64> {
        Some(u32::from_be_bytes(moov.get(at..at + 4)?.try_into().ok()?) as u64)
    };
    let be64 = |at: usize| -> Option<u64> {
        Some(u64::from_be_bytes(moov.get(at..at + 8)?.try_into().ok()?))
    };
    let mvhd = find_in(&moov, 0..moov.len(), &[b"moov", b"mvhd"]).ok()??;
    let v1 = moov[mvhd.body.start] == 1;
    let movie_ts = be32(mvhd.body.start + if v1 { 20 } else { 12 })?;
    let moov_box = find_in(&moov, 0..moov.len(), &[b"moov"]).ok()??;
    for trak in children(&moov, moov_box.body.clone()).ok()? {
        if &trak.kind != b"trak" {
            continue;
        }
        let hdlr = find_in(&moov, trak.body.clone(), &[b"mdia", b"hdlr"]).ok()??;
        if moov.get(hdlr.body.start + 8..hdlr.body.start + 12)? != b"soun" {
            continue;
        }
        let mdhd = find_in(&moov, trak.body.clone(), &[b"mdia", b"mdhd"]).ok()??;
        let v1 = moov[mdhd.body.start] == 1;
        let media_ts = be32(mdhd.body.start + if v1 { 20 } else { 12 })?;
        let elst = find_in(&moov, trak.body.clone(), &[b"edts", b"elst"]).ok()??;
        let b = elst.body.start;
        let wide = moov[b] == 1;
        let entries = be32(b + 4)? as usize;
        let entry_len = if wide { 20 } else { 12 };
        for i in 0..entries {
            let at = b + 8 + i * entry_len;
            let (duration, media_time) = if wide {
                (be64(at)?, be64(at + 8)? as i64)
            } else {
                (be32(at)?, be32(at + 4)? as u32 as i32 as i64)
            };
            if media_time < 0 {
                continue; // An empty edit (a delay), not a trim.
            }
            if media_ts == 0 || movie_ts == 0 {
                return None;
            }
            let skip = media_time as u64 * rate as u64 / media_ts;
            let keep = (duration > 0).then(|| duration * rate as u64 / movie_ts);
            return Some((skip, keep));
        }
        return None;
    }
    None
}

/// Turns a probe failure into an error that says what the file is not.
fn probe_error(path: &Path, e: SymError) -> AudioError {
    let path: PathBuf = path.to_path_buf();
    match e {
        SymError::IoError(source) if source.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioError::Truncated { path }
        }
        SymError::IoError(source) => AudioError::Io { path, source },
        SymError::Unsupported(_) => AudioError::UnknownFormat {
            detail: sniff(&path),
            path,
        },
        other => AudioError::Corrupt {
            path,
            detail: other.to_string(),
        },
    }
}

/// A few words on what a file that is not sound seems to be, from its first bytes.
fn sniff(path: &Path) -> String {
    let mut head = [0u8; 16];
    let n = File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    let known: [(&[u8], &str); 8] = [
        (b"\x89PNG", "it is a PNG image"),
        (b"\xFF\xD8\xFF", "it is a JPEG image"),
        (b"GIF8", "it is a GIF image"),
        (b"%PDF", "it is a PDF document"),
        (b"PK\x03\x04", "it is a ZIP archive"),
        (b"\x1A\x45\xDF\xA3", "it is a Matroska/WebM file"),
        (b"OggS", "it is an Ogg file with a codec other than vorbis"),
        (
            b"RIFF",
            "it is a RIFF file that is not a playable wave file",
        ),
    ];
    for (magic, what) in known {
        if head.starts_with(magic) {
            return what.to_string();
        }
    }
    if head.len() >= 12 && &head[8..12] == b"WEBP" {
        return "it is a WebP image".into();
    }
    "its content matches none of the audio formats".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_wav(path: &Path, rate: u32, channels: u16, samples: &[i16]) {
        let data_len = (samples.len() * 2) as u32;
        let mut b = Vec::new();
        b.extend_from_slice(b"RIFF");
        b.extend_from_slice(&(36 + data_len).to_le_bytes());
        b.extend_from_slice(b"WAVEfmt ");
        b.extend_from_slice(&16u32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&channels.to_le_bytes());
        b.extend_from_slice(&rate.to_le_bytes());
        b.extend_from_slice(&(rate * channels as u32 * 2).to_le_bytes());
        b.extend_from_slice(&(channels * 2).to_le_bytes());
        b.extend_from_slice(&16u16.to_le_bytes());
        b.extend_from_slice(b"data");
        b.extend_from_slice(&data_len.to_le_bytes());
        for s in samples {
            b.extend_from_slice(&s.to_le_bytes());
        }
        std::fs::write(path, b).unwrap();
    }

    #[test]
    fn reads_a_wave_file_by_its_content() {
        let dir = tempfile::tempdir().unwrap();
        // A misleading name: the probe goes by the bytes.
        let path = dir.path().join("sound.mp3");
        let samples: Vec<i16> = (0..4410).flat_map(|i| [i as i16, -(i as i16)]).collect();
        write_wav(&path, 44_100, 2, &samples);
        let d = decode_file(&path).unwrap();
        assert_eq!(
            (d.sample_rate, d.planes.len(), d.frames()),
            (44_100, 2, 4410)
        );
        assert!((d.planes[0][100] - 100.0 / 32768.0).abs() < 1e-6);
        assert!((d.planes[1][100] + 100.0 / 32768.0).abs() < 1e-6);
        assert!(d.warning.is_none());
        let l = load(&path).unwrap();
        assert_eq!(l.pcm.frames(), 4800);
    }

    #[test]
    fn refuses_what_is_not_sound() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("picture.wav");
        std::fs::write(
            &png,
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02",
        )
        .unwrap();
        let e = decode_file(&png).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, AudioError::UnknownFormat { .. }), "{msg}");
        assert!(msg.contains("picture.wav") && msg.contains("PNG"), "{msg}");

        let empty = dir.path().join("empty.flac");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(
            decode_file(&empty).unwrap_err(),
            AudioError::EmptyFile { .. }
        ));
        let missing = dir.path().join("missing.ogg");
        let msg = decode_file(&missing).unwrap_err().to_string();
        assert!(msg.contains("missing.ogg"), "{msg}");
    }

    #[test]
    fn impossible_channel_counts_are_refused_not_crashed_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.wav");
        write_wav(&path, 8000, 2, &[0; 64]);
        let mut bytes = std::fs::read(&path).unwrap();
        // The fmt chunk's channel count (found by fuzzing: 44801 overflowed symphonia).
        bytes[22..24].copy_from_slice(&44_801u16.to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let e = decode_file(&path).unwrap_err();
        assert!(matches!(e, AudioError::Corrupt { .. }), "{e}");
        assert!(e.to_string().contains("44801 channels"), "{e}");
    }

    #[test]
    fn a_cut_wave_file_gives_what_is_there_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.wav");
        write_wav(&path, 48_000, 1, &vec![1000i16; 48_000]);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let d = decode_file(&path).unwrap();
        assert!(d.frames() > 20_000 && d.frames() < 25_000, "{}", d.frames());
        let w = d.warning.expect("a warning for a cut file");
        assert!(w.contains("cut.wav") && w.contains("cut off"), "{w}");
    }
}
