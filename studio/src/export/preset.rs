//! Platform presets: the frame sizes and rate each destination takes as is.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every preset is 30 frames per second.
pub const PRESET_FPS: u32 = 30;

/// Where the video is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum Preset {
    Tiktok,
    Reels,
    Shorts,
    Youtube,
    Square,
    X,
}

impl Preset {
    pub const ALL: [Preset; 6] = [
        Preset::Tiktok,
        Preset::Reels,
        Preset::Shorts,
        Preset::Youtube,
        Preset::Square,
        Preset::X,
    ];

    /// The name used on the command line and in project.json.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Tiktok => "tiktok",
            Preset::Reels => "reels",
            Preset::Shorts => "shorts",
            Preset::Youtube => "youtube",
            Preset::Square => "square",
            Preset::X => "x",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Output frame size (width, height) in pixels.
    pub fn size(self) -> (u32, u32) {
        match self {
            Preset::Tiktok | Preset::Reels | Preset::Shorts => (1080, 1920),
            Preset::Youtube => (1920, 1080),
            Preset::Square => (1080, 1080),
            Preset::X => (720, 1280),
        }
    }

    pub fn fps(self) -> u32 {
        PRESET_FPS
    }
}

/// How a picture of another aspect ratio is put into the preset's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum Fit {
    /// Scale to cover the frame and crop the overflow (centred).
    #[default]
    Crop,
    /// Scale to fit inside the frame, over a blurred, cropped copy of itself.
    Blur,
}

impl Fit {
    pub fn name(self) -> &'static str {
        match self {
            Fit::Crop => "crop",
            Fit::Blur => "blur",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Fit::Crop, Fit::Blur]
            .into_iter()
            .find(|f| f.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sizes_are_even() {
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Some(p));
            let (w, h) = p.size();
            assert!(w % 2 == 0 && h % 2 == 0);
        }
        assert_eq!(Preset::from_name("vine"), None);
        assert_eq!(Fit::from_name("blur"), Some(Fit::Blur));
    }
}
