//! Reading the pictures a creator imports: JPEG, PNG and WebP, with errors that say which file
//! is wrong and what to do.
//!
//! Every picture is turned upright by its EXIF orientation as it is decoded (phones store
//! portrait photos sideways with orientation 6), and its size is given upright too, so a
//! picture reads the same everywhere: import, stage, render, generation. A JPEG cut short
//! still decodes (the decoder fills the missing rows with grey); [`decode_picture_checked`]
//! says how much of it is real, so import can refuse it unless the creator accepts it.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
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
    #[error(
        "{path} is damaged: the file ends early, {decoded}; import it anyway only if that is \
         what you want (the missing part shows grey)"
    )]
    Damaged { path: PathBuf, decoded: String },
    #[error("{path} is {width}x{height} pixels; pictures need at least 16 pixels a side")]
    TooSmall {
        path: PathBuf,
        width: u32,
        height: u32,
    },
}

/// How much of a damaged picture is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Damage {
    /// Rows of the file's picture (before turning it upright) that decoded; the rest are the
    /// decoder's grey. Equal to `rows` when the missing part is spread over the picture (a
    /// progressive JPEG cut short is whole but blurred).
    pub decoded_rows: u32,
    pub rows: u32,
}

impl Damage {
    /// "decoded 1024 of 3000 rows", as people read it.
    pub fn describe(&self) -> String {
        if self.decoded_rows < self.rows {
            format!("decoded {} of {} rows", self.decoded_rows, self.rows)
        } else {
            "the picture is incomplete (blurred or partly missing)".to_string()
        }
    }
}

/// A decoded picture, upright, and whether its file was damaged.
#[derive(Debug, Clone)]
pub struct DecodedPicture {
    pub format: ImageFormat,
    pub picture: RgbImage,
    /// The EXIF orientation that was applied (`NoTransforms` when none).
    pub orientation: Orientation,
    pub damage: Option<Damage>,
}

/// Decodes the bytes of the picture file `path` to upright 8-bit RGB, and says whether the
/// file was damaged (cut short). The format is judged by the content, not the name: a renamed
/// text file is "not a picture", not a "damaged JPEG".
pub fn decode_picture_checked(path: &Path, bytes: &[u8]) -> Result<DecodedPicture, PictureError> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => {
            return Err(PictureError::UnsupportedFormat {
                path: path.to_owned(),
            })
        }
    };
    let corrupt = |e: image::ImageError| PictureError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(corrupt)?;
    // A missing or unreadable orientation tag leaves the picture as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    let damage = (format == ImageFormat::Jpeg && !jpeg_is_complete(bytes)).then(|| {
        let rows = decoded.height();
        Damage {
            decoded_rows: rows - grey_rows_at_bottom(&decoded),
            rows,
        }
    });
    decoded.apply_orientation(orientation);
    let rgb = decoded.into_rgb8();
    if rgb.width() < 16 || rgb.height() < 16 {
        return Err(PictureError::TooSmall {
            path: path.to_owned(),
            width: rgb.width(),
            height: rgb.height(),
        });
    }
    Ok(DecodedPicture {
        format,
        picture: rgb,
        orientation,
        damage,
    })
}

/// Decodes the bytes of the picture file `path` to upright 8-bit RGB, returning its format
/// too. A damaged file decodes as far as it goes: pictures already in a project are shown as
/// they were accepted on import.
pub fn decode_picture(path: &Path, bytes: &[u8]) -> Result<(ImageFormat, RgbImage), PictureError> {
    let d = decode_picture_checked(path, bytes)?;
    Ok((d.format, d.picture))
}

/// Whether a JPEG's compressed data reaches its end marker: the headers are walked segment by
/// segment (so a thumbnail inside the EXIF block does not count) to the first scan, whose
/// data must be followed by an end-of-image marker somewhere. Headers that cannot be walked
/// are not called damaged here: the decoder judges those.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2;
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            return true;
        }
        let marker = bytes[i + 1];
        match marker {
            0xFF => i += 1,
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(len) = bytes.get(i + 2..i + 4) else {
                    return false;
                };
                let len = u16::from_be_bytes([len[0], len[1]]) as usize;
                if marker == 0xDA {
                    // In entropy-coded data a 0xFF is always followed by 0x00 or a restart
                    // marker, so 0xFF 0xD9 there is the end of the image.
                    let data = bytes.get(i + 2 + len..).unwrap_or(&[]);
                    return data.windows(2).any(|w| w == [0xFF, 0xD9]);
                }
                i += 2 + len;
            }
        }
    }
    false
}

/// How many rows at the bottom are the flat grey (128) a JPEG decoder writes where the data
/// ran out.
fn grey_rows_at_bottom(picture: &DynamicImage) -> u32 {
    let rgb = picture.to_rgb8();
    let width = rgb.width() as usize;
    rgb.as_raw()
        .chunks(width * 3)
        .rev()
        .take_while(|row| row.iter().all(|&v| v == 128))
        .count() as u32
}

/// The longest side a picture is kept at for use: twice the long side of the largest export
/// preset (1920), so the frame can be cropped in 2x with every pixel real, while a 48 MP phone
/// photo or a 12000x9000 scan previews and renders at the speed of a normal picture.
pub const MAX_PICTURE_SIDE: u32 = 3840;

/// `picture` scaled down so that its longer side is `max_side` (keeping its aspect), or
/// `None` when it already fits.
pub fn scaled_to_fit(picture: &RgbImage, max_side: u32) -> Option<RgbImage> {
    let (width, height) = picture.dimensions();
    let long = width.max(height);
    if long <= max_side {
        return None;
    }
    let scale = max_side as f64 / long as f64;
    let w = ((width as f64 * scale).round() as u32).max(1);
    let h = ((height as f64 * scale).round() as u32).max(1);
    Some(image::imageops::resize(
        picture,
        w,
        h,
        image::imageops::FilterType::Triangle,
    ))
}

/// Reads a picture file for use: decoded upright, refused when damaged unless
/// `allow_damaged`, and scaled down to [`MAX_PICTURE_SIDE`]. Returns the picture and, when it
/// was scaled, the file's own size.
pub fn load_picture_for_use(
    path: &Path,
    allow_damaged: bool,
) -> Result<(RgbImage, Option<(u32, u32)>), PictureError> {
    let bytes = std::fs::read(path).map_err(|source| PictureError::Io {
        path: path.to_owned(),
        source,
    })?;
    let decoded = decode_picture_checked(path, &bytes)?;
    if let (Some(damage), false) = (decoded.damage, allow_damaged) {
        return Err(PictureError::Damaged {
            path: path.to_owned(),
            decoded: damage.describe(),
        });
    }
    Ok(match scaled_to_fit(&decoded.picture, MAX_PICTURE_SIDE) {
        Some(small) => (small, Some(decoded.picture.dimensions())),
        None => (decoded.picture, None),
    })
}

/// Reads and decodes a picture file to upright 8-bit RGB.
pub fn load_picture(path: &Path) -> Result<RgbImage, PictureError> {
    let bytes = std::fs::read(path).map_err(|source| PictureError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(decode_picture(path, &bytes)?.1)
}

/// A picture file's upright size (width, height) from its header, without decoding the pixels: for
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
    let corrupt = |e: image::ImageError| PictureError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    // Upright, as `decode_picture` gives the pixels.
    Ok(match decoder.orientation() {
        Ok(
            Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH,
        ) => (height, width),
        _ => (width, height),
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

    const RED: [u8; 3] = [230, 20, 20];
    const GREEN: [u8; 3] = [20, 230, 20];
    const BLUE: [u8; 3] = [20, 20, 230];
    const WHITE: [u8; 3] = [240, 240, 240];

    /// A 64x32 JPEG with red, green, blue and white quarters (top left, top right, bottom
    /// left, bottom right) and, when `orientation` is set, an EXIF block with that tag.
    fn quarters_jpeg(orientation: Option<u16>) -> Vec<u8> {
        let picture = RgbImage::from_fn(64, 32, |x, y| {
            image::Rgb(match (x < 32, y < 16) {
                (true, true) => RED,
                (false, true) => GREEN,
                (true, false) => BLUE,
                (false, false) => WHITE,
            })
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
            .encode_image(&picture)
            .unwrap();
        let Some(o) = orientation else {
            return jpeg;
        };
        // APP1 "Exif": a little-endian TIFF header and one IFD entry, 0x0112 (orientation).
        let mut tiff = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        tiff.extend_from_slice(&o.to_le_bytes());
        tiff.extend_from_slice(&[0; 6]);
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
        app1.extend_from_slice(b"Exif\0\0");
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn near(a: [u8; 3], b: [u8; 3]) -> bool {
        a.iter().zip(b).all(|(&x, y)| x.abs_diff(y) < 40)
    }

    #[test]
    fn every_exif_orientation_comes_out_upright() {
        let dir = tempfile::tempdir().unwrap();
        // Where the stored picture's quarters land once turned upright (EXIF 1..=8):
        // (top left, top right), and whether the sides swap.
        let expected = [
            (1, RED, GREEN, false),
            (2, GREEN, RED, false),
            (3, WHITE, BLUE, false),
            (4, BLUE, WHITE, false),
            (5, RED, BLUE, true),
            (6, BLUE, RED, true),
            (7, WHITE, GREEN, true),
            (8, GREEN, WHITE, true),
        ];
        for (o, top_left, top_right, swapped) in expected {
            let path = dir.path().join(format!("o{o}.jpg"));
            std::fs::write(&path, quarters_jpeg(Some(o))).unwrap();
            let p = load_picture(&path).unwrap();
            let size = if swapped { (32, 64) } else { (64, 32) };
            assert_eq!(p.dimensions(), size, "orientation {o}");
            assert_eq!(
                picture_size(&path).unwrap(),
                size,
                "orientation {o}, header"
            );
            let (w, _) = size;
            let tl = p.get_pixel(2, 2).0;
            let tr = p.get_pixel(w - 3, 2).0;
            assert!(near(tl, top_left), "orientation {o}: top left {tl:?}");
            assert!(near(tr, top_right), "orientation {o}: top right {tr:?}");
        }
        let plain = dir.path().join("plain.jpg");
        std::fs::write(&plain, quarters_jpeg(None)).unwrap();
        assert_eq!(load_picture(&plain).unwrap().dimensions(), (64, 32));
    }

    #[test]
    fn a_jpeg_cut_short_says_how_much_decoded() {
        let whole = quarters_jpeg(Some(6));
        let d = decode_picture_checked(Path::new("whole.jpg"), &whole).unwrap();
        assert_eq!(d.damage, None);
        let picture = RgbImage::from_fn(64, 480, |x, y| {
            image::Rgb([(x * 4) as u8, (y / 2) as u8, 30])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&picture)
            .unwrap();
        let cut = &jpeg[..jpeg.len() / 3];
        let d = decode_picture_checked(Path::new("cut.jpg"), cut).unwrap();
        let damage = d.damage.expect("a cut file is damaged");
        assert_eq!(damage.rows, 480);
        assert!(
            (60..400).contains(&damage.decoded_rows),
            "{damage:?}: about a third decodes"
        );
        assert!(damage.describe().starts_with("decoded "));
        // Already-imported pictures still decode as far as they go.
        assert!(decode_picture(Path::new("cut.jpg"), cut).is_ok());
    }

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
