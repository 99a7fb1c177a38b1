//! Helpers shared by the integration tests (and the fuzz bench).

pub(crate) mod fuzz;
