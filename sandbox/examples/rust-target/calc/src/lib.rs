//! A tiny calculator: integers, `+` and `-`, read left to right.

pub mod eval;
pub mod parser;

/// Reads and evaluates an expression.
///
/// ```
/// assert_eq!(calc::calculate("1 + 2"), Ok(3));
/// ```
pub fn calculate(input: &str) -> Result<i64, String> {
    eval::evaluate(&parser::tokenize(input)?)
}
