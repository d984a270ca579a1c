//! What can go wrong with a sound file, worded so that a person can act on it.

use std::path::PathBuf;

/// An audio file that could not be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The file could not be opened or read.
    #[error("could not read the audio file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file holds no byte at all.
    #[error("the audio file {} is empty (0 bytes): choose another file or export it again", path.display())]
    EmptyFile { path: PathBuf },
    /// The content is not a format the studio reads (whatever its name says).
    #[error(
        "{} is not an audio file the studio can read ({detail}): use wav, flac, ogg (vorbis), \
         mp3 or m4a (aac), or convert it to one of them",
        path.display()
    )]
    UnknownFormat { path: PathBuf, detail: String },
    /// The container was recognised but its codec is not one the studio decodes.
    #[error(
        "{} uses an audio codec the studio cannot decode ({detail}): convert it to wav, flac, \
         ogg (vorbis), mp3 or m4a (aac)",
        path.display()
    )]
    UnsupportedCodec { path: PathBuf, detail: String },
    /// The file has tracks but none of them is sound.
    #[error("{} has no audio track: choose a file with sound in it", path.display())]
    NoAudioTrack { path: PathBuf },
    /// The file is damaged: nothing (or too little) could be decoded from it.
    #[error(
        "{} is damaged and could not be decoded ({detail}): export or download it again",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    /// The file stops before any sound: it was cut off while being written or copied.
    #[error(
        "{} is cut off before any sound could be decoded: copy or export it again",
        path.display()
    )]
    Truncated { path: PathBuf },
    /// The track decodes to no samples at all.
    #[error("{} holds no sound (its audio track is empty)", path.display())]
    NoSamples { path: PathBuf },
    /// The file is far too long to hold in memory.
    #[error(
        "{} is too long ({seconds:.0} s): the studio takes sound files up to {limit:.0} s; \
         cut it into shorter parts",
        path.display()
    )]
    TooLong {
        path: PathBuf,
        seconds: f64,
        limit: f64,
    },
}
