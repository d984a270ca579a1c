//! Rendering a shot: source image + motion -> framed frames -> MP4.
