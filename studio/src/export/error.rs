//! What can go wrong while exporting, worded so that a person can act on it.

use std::path::PathBuf;

/// An export that did not produce a file. Whatever the error, nothing is left at the
/// output path and no temporary file is left beside it.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading or writing a file failed (the output folder is missing, read-only, full...).
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "create a temporary file in".
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The disk filled up while the video was written.
    #[error(
        "could not export {out}: the disk is full; the video needs about {size}: {advice} \
         (or export to another disk), then export again. Nothing was written at {out}; a \
         file already there is unchanged",
        size = crate::disk::human_bytes(*needed),
        advice = crate::disk::free_advice(crate::disk::folder_of(out), Some(*needed))
    )]
    DiskFull { out: PathBuf, needed: u64 },
    /// The frame size cannot be encoded.
    #[error("cannot export {width}x{height} video: {reason}")]
    BadSize {
        width: u32,
        height: u32,
        reason: &'static str,
    },
    /// The frame rate cannot be encoded.
    #[error("cannot export at {0} frames per second: use a whole number from 1 to 240")]
    BadFps(u32),
    /// There is nothing to export.
    #[error("nothing to export: the video has no frames")]
    NoFrames,
    /// The render callback replaced the frame with one of another size.
    #[error("frame {frame} came back {got_w}x{got_h} instead of {want_w}x{want_h}")]
    FrameSize {
        frame: u32,
        want_w: u32,
        want_h: u32,
        got_w: u32,
        got_h: u32,
    },
    /// The render callback could not produce a frame.
    #[error("could not render frame {frame}: {message}")]
    Render { frame: u32, message: String },
    /// The H.264 encoder refused its settings or a frame.
    #[error("the H.264 encoder failed: {0}")]
    Encoder(String),
    /// The sound could not be encoded.
    #[error("could not encode the sound track: {0}")]
    Audio(String),
    /// The MP4 container could not be written.
    #[error("could not write the MP4 container: {0}")]
    Muxer(String),
    /// The export was cancelled.
    #[error("export cancelled")]
    Cancelled,
}

impl ExportError {
    /// An I/O error on `path` while doing `action` ("create", "write", ...).
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ExportError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A render failure for frame `frame`, for render callbacks to return.
    pub fn render(frame: u32, error: impl std::fmt::Display) -> Self {
        ExportError::Render {
            frame,
            message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_problem() {
        let e = ExportError::io(
            "create a temporary file in",
            "/nope/dir",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        let msg = e.to_string();
        assert!(
            msg.contains("/nope/dir") && msg.contains("temporary file"),
            "{msg}"
        );
        let e = ExportError::BadSize {
            width: 3,
            height: 4,
            reason: "width and height must be even",
        };
        assert!(e.to_string().contains("3x4"));
        assert!(ExportError::render(7, "boom")
            .to_string()
            .contains("frame 7: boom"));
    }
}
