//! Reading the pictures a creator imports: JPEG, PNG and WebP, with errors that say which file
//! is wrong and what to do.

use std::path::{Path, PathBuf};

use image::{ImageFormat, RgbImage};
use thiserror::Error;

/// The picture formats Motionboard imports.
pub const PICTURE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

#[derive(Debug, Error)]
pub enum PictureError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a JPEG, PNG or WebP picture; convert it to one of those and import it again"
    )]
    UnsupportedFormat { path: PathBuf },
    #[error("{path} looks like a picture but cannot be decoded ({reason}); the file may be damaged or cut short")]
    Corrupt { path: PathBuf, reason: String },
    #[error("{path} is {width}x{height} pixels; pictures need at least 16 pixels a side")]
    TooSmall {
        path: PathBuf,
        width: u32,
        height: u32,
    },
}

/// Decodes the bytes of the picture file `path` to 8-bit RGB, returning its format too. The
/// format is judged by the content, not the name: a renamed text file is "not a picture", not
/// a "damaged JPEG".
pub fn decode_picture(path: &Path, bytes: &[u8]) -> Result<(ImageFormat, RgbImage), PictureError> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => {
            return Err(PictureError::UnsupportedFormat {
                path: path.to_owned(),
            })
        }
    };
    let decoded =
        image::load_from_memory_with_format(bytes, format).map_err(|e| PictureError::Corrupt {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    let rgb = decoded.into_rgb8();
    if rgb.width() < 16 || rgb.height() < 16 {
        return Err(PictureError::TooSmall {
            path: path.to_owned(),
            width: rgb.width(),
            height: rgb.height(),
        });
    }
    Ok((format, rgb))
}

/// Reads and decodes a picture file to 8-bit RGB.
pub fn load_picture(path: &Path) -> Result<RgbImage, PictureError> {
    let bytes = std::fs::read(path).map_err(|source| PictureError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(decode_picture(path, &bytes)?.1)
}

/// A picture file's size (width, height) from its header, without decoding the pixels: for
/// planning work on a picture cheaply. The same errors as [`load_picture`] for a missing,
/// foreign or damaged header.
pub fn picture_size(path: &Path) -> Result<(u32, u32), PictureError> {
    let io = |source| PictureError::Io {
        path: path.to_owned(),
        source,
    };
    // Judged by the content, as `decode_picture` does, never by the name.
    let file = std::fs::File::open(path).map_err(io)?;
    let reader = image::ImageReader::new(std::io::BufReader::new(file))
        .with_guessed_format()
        .map_err(io)?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        _ => {
            return Err(PictureError::UnsupportedFormat {
                path: path.to_owned(),
            })
        }
    }
    reader.into_dimensions().map_err(|e| PictureError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// The file extension Motionboard stores a picture of this format under.
pub fn extension_of(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "png",
        ImageFormat::WebP => "webp",
        _ => "jpg",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_comes_from_the_header_alone() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("a.png");
        RgbImage::from_pixel(40, 24, image::Rgb([1, 2, 3]))
            .save(&png)
            .unwrap();
        assert_eq!(picture_size(&png).unwrap(), (40, 24));
        let text = dir.path().join("notes.png");
        std::fs::write(&text, "not a picture").unwrap();
        assert!(matches!(
            picture_size(&text),
            Err(PictureError::UnsupportedFormat { .. })
        ));
        assert!(matches!(
            picture_size(&dir.path().join("gone.png")),
            Err(PictureError::Io { .. })
        ));
    }

    #[test]
    fn decodes_png_and_rejects_text_and_truncated_files() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("a.png");
        RgbImage::from_pixel(32, 24, image::Rgb([10, 20, 30]))
            .save(&png)
            .unwrap();
        let img = load_picture(&png).unwrap();
        assert_eq!((img.width(), img.height()), (32, 24));

        let txt = dir.path().join("notes.jpg");
        std::fs::write(&txt, b"hello, not a picture").unwrap();
        assert!(matches!(
            load_picture(&txt),
            Err(PictureError::UnsupportedFormat { .. })
        ));

        let bytes = std::fs::read(&png).unwrap();
        let cut = dir.path().join("cut.png");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let err = load_picture(&cut).unwrap_err();
        assert!(matches!(err, PictureError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("cut.png"));
    }
}
