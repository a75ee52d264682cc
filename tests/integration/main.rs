//! Integration tests: the real binary on sample workspaces. One test binary
//! (modules below) keeps link time down.

mod adoption;
mod attacks;
mod attacks_depth;
mod attacks_output;
mod attacks_queries;
mod attacks_suppressions;
mod cache;
mod cli;
mod common;
mod config;
mod editor;
mod flags;
mod formats;
mod frameworks;
mod github_action;
mod guards;
mod pre_commit;
mod real_world;
mod repository_paths;
mod robustness;
mod second_demo;
mod suppressions;
mod two_phase;
mod vocabulary_twin;
