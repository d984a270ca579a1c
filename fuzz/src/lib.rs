//! Motionboard's fuzzing, on the stable toolchain: a structure-aware mutation fuzzer
//! ([`mutate`], [`json`]) with a seeded generator ([`rng`]), the loop that runs a target and
//! catches crashes, hangs, broken invariants and memory blow-ups ([`engine`], [`memory`]),
//! and one target per parser of a file a user or a download hands the app ([`targets`]).
//!
//! Seeds live in `fuzz/corpus/<target>/`; every input that once crashed a parser is kept in
//! `fuzz/regressions/<target>/` and replayed by `cargo test`.

pub mod engine;
pub mod json;
pub mod memory;
pub mod mutate;
pub mod rng;
pub mod targets;
