//! A sound file as the app and the CLI import it (`store::import_audio`: wav, flac,
//! ogg/vorbis, mp3 or m4a/aac by content through symphonia, resampled to 48 kHz stereo), then
//! what the app computes from it at once: the waveform peaks and the beats.

use std::path::{Path, PathBuf};
use std::time::Duration;

use studio::audio::{analyze, peaks};
use studio::project::store::{import_audio, ASSETS_DIR};

use super::{answer, Target, TargetSpec};
use crate::mutate::Format;

pub const SPEC: TargetSpec = TargetSpec {
    name: "audio",
    about: "sound import through symphonia (wav, flac, ogg/vorbis, mp3, m4a/aac), peaks and beats",
    format: Format::Binary,
    max_len: 64 << 10,
    time_limit: Duration::from_secs(2),
    extension: "bin",
    dictionary: &[
        b"RIFF",
        b"WAVE",
        b"fmt ",
        b"data",
        b"LIST",
        b"fact",
        b"fLaC",
        b"OggS",
        b"\x01vorbis",
        b"\x03vorbis",
        b"\x05vorbis",
        b"ID3",
        b"\xFF\xFB",
        b"\xFF\xF3",
        b"Xing",
        b"Info",
        b"ftyp",
        b"moov",
        b"trak",
        b"mdia",
        b"minf",
        b"stbl",
        b"stsd",
        b"mp4a",
        b"esds",
        b"stts",
        b"stsc",
        b"stsz",
        b"stco",
        b"elst",
        b"edts",
        b"mdhd",
        b"mvhd",
        b"hdlr",
        b"soun",
        b"mdat",
    ],
    make,
};

struct AudioTarget {
    file: PathBuf,
    project: PathBuf,
}

fn make(scratch: &Path) -> anyhow::Result<Box<dyn Target>> {
    Ok(Box::new(AudioTarget {
        file: scratch.join("sound"),
        project: scratch.join("project"),
    }))
}

impl Target for AudioTarget {
    fn run(&mut self, input: &[u8]) -> Result<String, String> {
        std::fs::write(&self.file, input).map_err(|e| format!("scratch folder: {e}"))?;
        let imported = import_audio(&self.project, &self.file);
        let _ = std::fs::remove_dir_all(self.project.join(ASSETS_DIR));
        let signature = answer("import", &imported);
        if let Ok(sound) = &imported {
            let _ = peaks(&sound.pcm, 400);
            let beats = analyze(&sound.pcm);
            if !beats.bpm.is_finite() || beats.beats.iter().any(|b| !b.is_finite()) {
                return Err(format!("the beats are not numbers: {} bpm", beats.bpm));
            }
        }
        Ok(signature)
    }
}
