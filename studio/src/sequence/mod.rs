//! The storyboard as one film: where each shot sits on the sequence ([`timing`]), what the
//! transitions do to the frames ([`transitions`]), cutting on the beat ([`snap`]), the
//! sound ([`mix`]) and rendering and exporting the whole ([`render`]).

pub mod error;
pub mod mix;
pub mod render;
pub mod snap;
pub mod timing;
pub mod transitions;

pub use error::SequenceError;
pub use mix::{beats_on_sequence, load_clips, mix_sequence};
pub use render::{export_sequence, SequenceExport, SequenceRenderer};
pub use snap::{snap_to_beats, SnappedCut};
pub use timing::{ShotSpan, Timing};
pub use transitions::{Layer, Recipe};
