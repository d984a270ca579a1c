//! The warp engine: paths + brushes + camera move -> dense motion field -> frames.
