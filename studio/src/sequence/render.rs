//! Rendering the whole sequence: frame `f` is made from the shot frames its [`Recipe`]
//! names, each rendered by the shot's [`ShotRenderer`] (the warp engine, as for one shot),
//! then darkened by dips and blended by crossfades; the export adds the audio mix.
//!
//! Every picture and sound file is decoded once before the first frame is written, so a
//! missing or damaged file is reported (naming the shot or clip and the file) before any
//! output exists. The shots' renderers are then built as the playhead reaches them and
//! dropped behind it, so memory does not grow with the number of shots. A shot that
//! continues from the previous one takes that shot's last frame (as framed for the output,
//! before any transition) as its picture.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use image::RgbImage;

use super::mix::{load_clips, mix_sequence};
use super::transitions::{crossfade, darken};
use super::{SequenceError, Timing};
use crate::export::{
    audio_samples_for, export_mp4_with_audio, EncoderSettings, ExportAudio, ExportError, VideoSpec,
};
use crate::generate::{clip_states, ClipState, ResultCache};
use crate::picture::load_picture;
use crate::project::{store, ExportSettings, Project, Shot, ShotSource};
use crate::render::{output_size, RenderError, ShotRenderer, ShotSettings};

/// A project's shots ready to render frame by frame.
pub struct SequenceRenderer {
    shots: Vec<Shot>,
    /// Each shot's picture file (`None` for shots continuing from the previous one).
    pictures: Vec<Option<PathBuf>>,
    /// Each shot's generated result, when it has one in the project's cache: it plays
    /// instead of the warp engine's frames.
    clips: Vec<Option<String>>,
    /// Each shot's [`ClipState`] when the renderer was made.
    states: Vec<ClipState>,
    cache: ResultCache,
    export: ExportSettings,
    timing: Timing,
    spec: VideoSpec,
    renderers: Vec<Option<ShotRenderer>>,
    scratch: RgbImage,
    over: RgbImage,
}

impl SequenceRenderer {
    /// Checks every shot of `project` (in `dir`) and decodes every picture once; the output
    /// size is the preset's, or without one the first shot's picture size (rounded down
    /// to even numbers).
    pub fn new(
        dir: &Path,
        project: &Project,
        export: ExportSettings,
    ) -> Result<Self, SequenceError> {
        if project.shots.is_empty() {
            return Err(SequenceError::NoShots);
        }
        let mut pictures = Vec::with_capacity(project.shots.len());
        let mut first_size = None;
        let cache = ResultCache::new(dir);
        let states = clip_states(&cache, project);
        // The shot's engine decides: only a model shot's clip plays, out of date or not (the
        // export refuses an out-of-date one, see `export_sequence`; the preview shows it).
        let clips: Vec<Option<String>> = project
            .shots
            .iter()
            .zip(&states)
            .map(|(shot, state)| match state {
                ClipState::Current | ClipState::OutOfDate => {
                    shot.playing_result().map(str::to_owned)
                }
                ClipState::None | ClipState::Missing => None,
            })
            .collect();
        for (i, shot) in project.shots.iter().enumerate() {
            let shot_err = |source: RenderError| SequenceError::Shot {
                shot: i + 1,
                name: shot.name.clone(),
                source,
            };
            shot.motion
                .validate()
                .map_err(|e| shot_err(RenderError::Motion(e)))?;
            match shot.source {
                ShotSource::PreviousShot if i == 0 => {
                    return Err(SequenceError::FirstShotContinues {
                        name: shot.name.clone(),
                    })
                }
                ShotSource::PreviousShot => pictures.push(None),
                // A generated shot needs no picture of its own (text-to-video).
                ShotSource::Image if shot.image.is_none() && clips[i].is_some() => {
                    if let Some(key) = &clips[i] {
                        if let Some(size) = cache.frame_size(key) {
                            first_size.get_or_insert(size);
                        }
                    }
                    pictures.push(None)
                }
                ShotSource::Image => {
                    let asset = shot.image.as_deref().ok_or(SequenceError::NoPicture {
                        shot: i + 1,
                        name: shot.name.clone(),
                    })?;
                    let path = store::asset_path(dir, asset)?;
                    let picture = load_picture(&path).map_err(|source| SequenceError::Picture {
                        shot: i + 1,
                        name: shot.name.clone(),
                        source,
                    })?;
                    first_size.get_or_insert(picture.dimensions());
                    pictures.push(Some(path));
                }
            }
        }
        // Shot 1 always has a picture or a clip (a first shot cannot continue), so this is set.
        let (width, height) = output_size(first_size.unwrap_or((2, 2)), export.preset);
        let fps = export.fps();
        Ok(SequenceRenderer {
            states,
            timing: Timing::new(&project.shots, fps),
            shots: project.shots.clone(),
            pictures,
            clips,
            cache,
            export,
            spec: VideoSpec { width, height, fps },
            renderers: project.shots.iter().map(|_| None).collect(),
            scratch: RgbImage::new(1, 1),
            over: RgbImage::new(width, height),
        })
    }

    /// The same sequence rendered no larger than `max_width` x `max_height`, keeping the
    /// output's aspect (even sizes, at least 2x2): the app's live preview renders at the
    /// size it shows, as the export's full size would not keep up with playback. Call it
    /// before rendering; frames already built for the old size are dropped.
    pub fn fit_within(mut self, max_width: u32, max_height: u32) -> Self {
        let (w, h) = (
            self.spec.width.max(1) as f64,
            self.spec.height.max(1) as f64,
        );
        let scale = (max_width.max(2) as f64 / w)
            .min(max_height.max(2) as f64 / h)
            .min(1.0);
        let even = |v: f64| ((v * scale).round() as u32 & !1).max(2);
        self.spec.width = even(w);
        self.spec.height = even(h);
        self.over = RgbImage::new(self.spec.width, self.spec.height);
        for r in &mut self.renderers {
            *r = None;
        }
        self
    }

    /// Each shot's [`ClipState`], in storyboard order.
    pub fn clip_states(&self) -> &[ClipState] {
        &self.states
    }

    /// The first shot whose generated clip would not export as the creator last saw it
    /// (out of date, or missing from the cache), as an error naming it.
    pub fn check_clips(&self) -> Result<(), SequenceError> {
        for (i, state) in self.states.iter().enumerate() {
            let name = || self.shots[i].name.clone();
            match state {
                ClipState::OutOfDate => {
                    return Err(SequenceError::OutOfDateClip {
                        shot: i + 1,
                        name: name(),
                    })
                }
                ClipState::Missing => {
                    return Err(SequenceError::MissingClip {
                        shot: i + 1,
                        name: name(),
                    })
                }
                ClipState::None | ClipState::Current => {}
            }
        }
        Ok(())
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    pub fn spec(&self) -> VideoSpec {
        self.spec
    }

    pub fn frame_count(&self) -> u32 {
        self.timing.total_frames
    }

    /// Builds shot `i`'s renderer if it is not built yet: from its generated clip when it has
    /// one, else the warp engine over its picture (or the previous shot's last frame).
    fn ensure(&mut self, i: usize) -> Result<(), SequenceError> {
        if self.renderers[i].is_some() {
            return Ok(());
        }
        let shot = &self.shots[i];
        let name = shot.name.clone();
        let (w, h) = (self.spec.width, self.spec.height);
        let settings = ShotSettings {
            motion: shot.motion.clone(),
            seconds: shot.seconds,
            fps: self.spec.fps,
            preset: self.export.preset,
            fit: self.export.fit,
            crop: shot.crop,
        };
        let shot_err = |source: RenderError| SequenceError::Shot {
            shot: i + 1,
            name: name.clone(),
            source,
        };
        if let Some(key) = &self.clips[i] {
            let clip = self.cache.load(key).map_err(|e| SequenceError::Generated {
                shot: i + 1,
                name: name.clone(),
                message: e.to_string(),
            })?;
            if let Some(clip) = clip {
                let renderer =
                    ShotRenderer::from_clip(clip, &settings, (w, h)).map_err(shot_err)?;
                self.renderers[i] = Some(renderer);
                return Ok(());
            }
        }
        let picture = match &self.pictures[i] {
            Some(path) => load_picture(path).map_err(|source| SequenceError::Picture {
                shot: i + 1,
                name: name.clone(),
                source,
            })?,
            None if i == 0 => return Err(SequenceError::NoPicture { shot: 1, name }),
            None => {
                self.ensure(i - 1)?;
                let mut last = RgbImage::new(w, h);
                if let Some(prev) = &self.renderers[i - 1] {
                    prev.render_frame(prev.frame_count() - 1, &mut self.scratch, &mut last);
                }
                last
            }
        };
        let renderer =
            ShotRenderer::with_output_size(picture, &settings, (w, h)).map_err(shot_err)?;
        self.renderers[i] = Some(renderer);
        Ok(())
    }

    /// Renders frame `frame` of the sequence into `out` (sized to [`Self::spec`]).
    pub fn render_frame(&mut self, frame: u32, out: &mut RgbImage) -> Result<(), SequenceError> {
        let Some(recipe) = self.timing.recipe(frame) else {
            return Err(SequenceError::Export(ExportError::Render {
                frame,
                message: format!("the sequence has only {} frames", self.timing.total_frames),
            }));
        };
        self.ensure(recipe.base.shot)?;
        if let Some((layer, _)) = recipe.over {
            self.ensure(layer.shot)?;
        }
        // Shots behind the playhead are done with.
        for r in &mut self.renderers[..recipe.base.shot] {
            *r = None;
        }
        let (w, h) = (self.spec.width, self.spec.height);
        if out.dimensions() != (w, h) {
            *out = RgbImage::new(w, h);
        }
        if let Some(r) = &self.renderers[recipe.base.shot] {
            r.render_frame(recipe.base.frame, &mut self.scratch, out);
        }
        darken(out, recipe.base.brightness);
        if let Some((layer, weight)) = recipe.over {
            if let Some(r) = &self.renderers[layer.shot] {
                r.render_frame(layer.frame, &mut self.scratch, &mut self.over);
            }
            darken(&mut self.over, layer.brightness);
            crossfade(out, &self.over, weight);
        }
        Ok(())
    }
}

/// What an export of the sequence produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceExport {
    pub spec: VideoSpec,
    pub timing: Timing,
    /// Whether the MP4 has a sound track (the project has audio clips).
    pub with_audio: bool,
}

/// Renders the whole sequence of the project in `dir` to an MP4 at `out`, with the mix of
/// its audio clips as an AAC track (none when it has no clips). Every picture and sound is
/// checked before anything is written, and a shot whose generated clip is out of date or
/// missing stops the export with an error naming it (it is never swapped silently for the
/// warp engine's frames, nor exported stale); on any error or cancel nothing is left at `out`,
/// and the project folder is never written to. `progress(done, total)` counts frames.
///
/// What the export held (pictures at the output size, frames, the sound mix) is given back to
/// the system when it ends, so an app that exported once does not stay at the export's peak.
pub fn export_sequence(
    dir: &Path,
    project: &Project,
    export: ExportSettings,
    out: &Path,
    progress: impl FnMut(u32, u32),
    cancel: &AtomicBool,
) -> Result<SequenceExport, SequenceError> {
    let result = render_sequence_to(dir, project, export, out, progress, cancel);
    crate::heap::release_freed();
    result
}

fn render_sequence_to(
    dir: &Path,
    project: &Project,
    export: ExportSettings,
    out: &Path,
    progress: impl FnMut(u32, u32),
    cancel: &AtomicBool,
) -> Result<SequenceExport, SequenceError> {
    let mut renderer = SequenceRenderer::new(dir, project, export)?;
    renderer.check_clips()?;
    let sources = load_clips(dir, project)?;
    let spec = renderer.spec();
    let frames = renderer.frame_count();
    let pcm = (!project.audio.is_empty()).then(|| {
        mix_sequence(
            &project.audio,
            &sources,
            audio_samples_for(frames, spec.fps),
        )
    });
    drop(sources);
    export_mp4_with_audio(
        out,
        spec,
        frames,
        &EncoderSettings::for_spec(spec),
        pcm.as_ref().map(ExportAudio::new),
        |index, frame| {
            renderer
                .render_frame(index, frame)
                .map_err(|e| ExportError::Render {
                    frame: index,
                    message: e.to_string(),
                })
        },
        progress,
        cancel,
    )?;
    Ok(SequenceExport {
        spec,
        timing: renderer.timing.clone(),
        with_audio: pcm.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{Transition, TransitionKind};

    /// A project in `dir` whose shots show flat pictures of `colours` (None: continue).
    fn project(dir: &Path, shots: &[(Option<[u8; 3]>, f32, TransitionKind, f32)]) -> Project {
        let mut p = Project::empty("t");
        for (i, &(colour, seconds, kind, t)) in shots.iter().enumerate() {
            let mut s = Shot::new(format!("s{i}"), format!("S{i}"));
            match colour {
                Some(c) => {
                    let src = dir.join(format!("{i}.png"));
                    RgbImage::from_pixel(32, 24, image::Rgb(c))
                        .save(&src)
                        .unwrap();
                    s.image = Some(store::import_image(dir, &src).unwrap().asset);
                }
                None => s.source = ShotSource::PreviousShot,
            }
            s.seconds = seconds;
            s.transition = Transition { kind, seconds: t };
            p.shots.push(s);
        }
        p
    }

    fn frame(r: &mut SequenceRenderer, f: u32) -> [u8; 3] {
        let mut out = RgbImage::new(1, 1);
        r.render_frame(f, &mut out).unwrap();
        assert_eq!(out.dimensions(), (32, 24));
        out.get_pixel(16, 12).0
    }

    #[test]
    fn frames_show_the_right_shot_through_transitions() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(
            dir.path(),
            &[
                (Some([200, 0, 0]), 1.0, TransitionKind::Crossfade, 0.2),
                (Some([0, 200, 0]), 1.0, TransitionKind::Dip, 0.2),
                (None, 1.0, TransitionKind::Cut, 0.0),
            ],
        );
        let mut r = SequenceRenderer::new(dir.path(), &p, ExportSettings::default()).unwrap();
        assert_eq!(r.frame_count(), 30 + 30 + 30 - 6);
        assert_eq!(frame(&mut r, 0), [200, 0, 0]);
        // Crossfade over frames 24..30: weight 0.5/6 at its first frame.
        let [red, green, _] = frame(&mut r, 24);
        assert!(red > 170 && green > 10 && green < 30, "{red} {green}");
        assert_eq!(frame(&mut r, 30), [0, 200, 0]);
        // Dip: shot 2 ends at 54; its last frame is nearly black, then shot 3 (which
        // continues from shot 2's last frame, undimmed) fades in.
        assert!((30..40).contains(&frame(&mut r, 53)[1]));
        assert!((30..40).contains(&frame(&mut r, 54)[1]));
        assert!(frame(&mut r, 52)[1] > 90);
        assert_eq!(frame(&mut r, 60), [0, 200, 0]);
        assert!(r.render_frame(84, &mut RgbImage::new(1, 1)).is_err());
    }

    #[test]
    fn a_preview_renders_the_same_frames_smaller() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(
            dir.path(),
            &[
                (Some([200, 0, 0]), 1.0, TransitionKind::Crossfade, 0.2),
                (Some([0, 200, 0]), 1.0, TransitionKind::Cut, 0.0),
            ],
        );
        let r = SequenceRenderer::new(dir.path(), &p, ExportSettings::default()).unwrap();
        let mut r = r.fit_within(16, 100);
        assert_eq!((r.spec().width, r.spec().height), (16, 12));
        let mut out = RgbImage::new(1, 1);
        r.render_frame(0, &mut out).unwrap();
        assert_eq!(out.dimensions(), (16, 12));
        assert_eq!(out.get_pixel(8, 6).0, [200, 0, 0]);
        r.render_frame(40, &mut out).unwrap();
        assert_eq!(out.get_pixel(8, 6).0, [0, 200, 0]);
        // Never larger than the output itself.
        let r = SequenceRenderer::new(dir.path(), &p, ExportSettings::default()).unwrap();
        let r = r.fit_within(4000, 4000);
        assert_eq!((r.spec().width, r.spec().height), (32, 24));
    }

    #[test]
    fn the_engine_decides_whether_a_generated_clip_plays_and_a_stale_one_never_exports() {
        use crate::generate::{discard_clip, shot_recipe};
        use crate::project::{Engine, Generation};
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(
            dir.path(),
            &[(Some([200, 0, 0]), 1.0, TransitionKind::Cut, 0.0)],
        );
        let cache = ResultCache::new(dir.path());
        let blue: Vec<RgbImage> = (0..5)
            .map(|_| RgbImage::from_pixel(32, 24, image::Rgb([0, 0, 200])))
            .collect();
        cache.store("ab12", 16, &blue).unwrap();
        p.shots[0].result = Some("ab12".into());
        let settings = ExportSettings::default();
        // On the warp engine the picture plays, though the shot keeps its result.
        let mut r = SequenceRenderer::new(dir.path(), &p, settings).unwrap();
        assert_eq!(frame(&mut r, 0), [200, 0, 0]);
        assert_eq!(r.clip_states(), [ClipState::None]);

        p.shots[0].generation = Some(Generation {
            engine: Engine::WanImageToVideo,
            ..Generation::default()
        });
        cache
            .record_recipe("ab12", &shot_recipe(&p, 0).unwrap())
            .unwrap();
        let mut r = SequenceRenderer::new(dir.path(), &p, settings).unwrap();
        assert_eq!(frame(&mut r, 0), [0, 0, 200], "a model shot plays its clip");
        assert!(r.check_clips().is_ok());

        // The prompt changed after generating: the preview still shows the clip, marked out
        // of date; the export stops, naming the shot, and writes nothing.
        p.shots[0].prompt = "a red kite".into();
        let r = SequenceRenderer::new(dir.path(), &p, settings).unwrap();
        assert_eq!(r.clip_states(), [ClipState::OutOfDate]);
        let out = dir.path().join("out.mp4");
        let cancel = AtomicBool::new(false);
        let err = export_sequence(dir.path(), &p, settings, &out, |_, _| {}, &cancel)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("shot 1 (\"S0\"): its generated clip is out of date"),
            "{err}"
        );
        assert!(!out.exists());

        // Discarded: the warp engine's frames play and export.
        discard_clip(&mut p, 0).unwrap();
        let mut r = SequenceRenderer::new(dir.path(), &p, settings).unwrap();
        assert_eq!(frame(&mut r, 0), [200, 0, 0]);
        export_sequence(dir.path(), &p, settings, &out, |_, _| {}, &cancel).unwrap();
        assert!(out.is_file());
    }

    #[test]
    fn missing_pictures_are_named_by_shot() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(
            dir.path(),
            &[(Some([1, 2, 3]), 1.0, TransitionKind::Cut, 0.0)],
        );
        p.shots.push(Shot::new("x", "Beach"));
        let err = SequenceRenderer::new(dir.path(), &p, ExportSettings::default())
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("shot 2 (\"Beach\") has no picture"),
            "{err}"
        );
        p.shots.remove(0);
        p.shots[0].source = ShotSource::PreviousShot;
        let err = SequenceRenderer::new(dir.path(), &p, ExportSettings::default())
            .err()
            .unwrap();
        assert!(
            matches!(err, SequenceError::FirstShotContinues { .. }),
            "{err}"
        );
        let err =
            SequenceRenderer::new(dir.path(), &Project::empty("e"), ExportSettings::default())
                .err()
                .unwrap();
        assert!(matches!(err, SequenceError::NoShots));
    }
}
