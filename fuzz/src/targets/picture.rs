//! A picture as the app and the CLI import it (`store::import_image_with`: JPEG, PNG or WebP
//! by content, EXIF orientation, a cut-short JPEG detected and accepted as damaged, a large
//! picture scaled down) and as planning reads its size from the header alone
//! (`picture::picture_size`). Both must agree on the upright size of a picture that imports.

use std::path::{Path, PathBuf};
use std::time::Duration;

use studio::picture::picture_size;
use studio::project::store::{import_image_with, ASSETS_DIR};
use studio::project::ImportOptions;

use super::{answer, Target, TargetSpec};
use crate::mutate::Format;

pub const SPEC: TargetSpec = TargetSpec {
    name: "picture",
    about: "picture import: JPEG/PNG/WebP by content, EXIF orientation, damaged (cut short) detection, header size",
    format: Format::Binary,
    max_len: 64 << 10,
    time_limit: Duration::from_secs(2),
    extension: "bin",
    dictionary: &[
        b"\xFF\xD8\xFF", b"\xFF\xD9", b"\xFF\xDA", b"\xFF\xC0", b"\xFF\xC2", b"\xFF\xC4",
        b"\xFF\xDB", b"\xFF\xDD", b"\xFF\xE1", b"Exif\0\0", b"II*\0", b"MM\0*", b"\x01\x12",
        b"\x12\x01", b"\x89PNG\r\n\x1a\n", b"IHDR", b"IDAT", b"IEND", b"PLTE", b"tRNS",
        b"acTL", b"fcTL", b"eXIf", b"RIFF", b"WEBP", b"VP8 ", b"VP8L", b"VP8X", b"ALPH",
        b"ANIM", b"ANMF", b"EXIF",
    ],
    make,
};

struct PictureTarget {
    file: PathBuf,
    project: PathBuf,
}

fn make(scratch: &Path) -> anyhow::Result<Box<dyn Target>> {
    Ok(Box::new(PictureTarget {
        // No extension: the format is judged by the content.
        file: scratch.join("picture"),
        project: scratch.join("project"),
    }))
}

impl Target for PictureTarget {
    fn run(&mut self, input: &[u8]) -> Result<String, String> {
        std::fs::write(&self.file, input).map_err(|e| format!("scratch folder: {e}"))?;
        let header = picture_size(&self.file);
        let options = ImportOptions {
            allow_damaged: true,
        };
        let imported = import_image_with(&self.project, &self.file, options);
        let _ = std::fs::remove_dir_all(self.project.join(ASSETS_DIR));
        let signature = format!(
            "{}; {}",
            answer("size", &header),
            answer("import", &imported)
        );
        if let (Ok(size), Ok(imported)) = (&header, &imported) {
            let decoded = imported
                .original
                .as_ref()
                .map_or((imported.width, imported.height), |o| (o.width, o.height));
            if *size != decoded {
                return Err(format!(
                    "the header says {}x{} but the picture decodes upright as {}x{}",
                    size.0, size.1, decoded.0, decoded.1
                ));
            }
        }
        Ok(signature)
    }
}
