//! The sequence's sound: the project's audio clips, each decoded from its asset, placed,
//! trimmed, faded and mixed to the length of the video.

use std::path::Path;

use super::SequenceError;
use crate::audio::{self, mix_frames, MixClip, Pcm};
use crate::project::{store, AudioClip, Project};

/// Decodes the sound file of every clip of `project` (in `dir`), in clip order. A file that
/// is missing or does not decode is reported with the clip's number and name.
pub fn load_clips(dir: &Path, project: &Project) -> Result<Vec<Pcm>, SequenceError> {
    project
        .audio
        .iter()
        .enumerate()
        .map(|(i, clip)| {
            let path = store::asset_path(dir, &clip.file)?;
            if !path.is_file() {
                return Err(SequenceError::MissingAudio {
                    clip: i + 1,
                    name: clip.name.clone(),
                    path,
                });
            }
            audio::load(&path)
                .map(|loaded| loaded.pcm)
                .map_err(|source| SequenceError::Audio {
                    clip: i + 1,
                    name: clip.name.clone(),
                    source,
                })
        })
        .collect()
}

/// The mixer's view of `clip` playing `source`.
pub fn mix_clip<'a>(clip: &AudioClip, source: &'a Pcm) -> MixClip<'a> {
    MixClip {
        source,
        start: clip.start,
        gain_db: clip.gain_db,
        trim_in: clip.trim_in,
        trim_out: clip.trim_out,
        fade_in: clip.fade_in,
        fade_out: clip.fade_out,
    }
}

/// The mix of `clips` (with their decoded `sources`, in the same order), `samples` long.
pub fn mix_sequence(clips: &[AudioClip], sources: &[Pcm], samples: usize) -> Pcm {
    let mixed: Vec<MixClip> = clips
        .iter()
        .zip(sources)
        .map(|(c, s)| mix_clip(c, s))
        .collect();
    mix_frames(&mixed, samples)
}

/// Where the beats of `clip` (times in its file, as `motionboard beats` prints them) fall
/// on the sequence, keeping only those inside the clip's trim.
pub fn beats_on_sequence(clip: &AudioClip, file_beats: &[f64]) -> Vec<f64> {
    let end = clip.trim_out.unwrap_or(f64::INFINITY);
    file_beats
        .iter()
        .filter(|&&b| b >= clip.trim_in && b <= end)
        .map(|b| clip.start + (b - clip.trim_in))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beats_move_with_the_clip_and_its_trim() {
        let mut clip = AudioClip::new("a", "Song", "assets/x.wav", 10.0);
        clip.start = 2.0;
        clip.trim_in = 1.0;
        clip.trim_out = Some(3.0);
        assert_eq!(
            beats_on_sequence(&clip, &[0.5, 1.0, 2.5, 3.5]),
            vec![2.0, 3.5]
        );
    }

    #[test]
    fn clips_mix_at_their_place_and_gain() {
        let src = Pcm::from_mono(vec![0.5; 48_000]);
        let mut clip = AudioClip::new("a", "Song", "assets/x.wav", 1.0);
        clip.start = 0.5;
        clip.gain_db = -6.0206;
        let m = mix_sequence(&[clip], &[src], 96_000);
        assert_eq!(m.frames(), 96_000);
        assert_eq!(m.left[23_999], 0.0);
        assert!((m.left[24_000] - 0.25).abs() < 1e-4);
    }
}
