//! growth
fn main() {}
