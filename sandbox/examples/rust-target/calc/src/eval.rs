//! Evaluates tokens left to right.

use crate::parser::Token;

pub fn evaluate(tokens: &[Token]) -> Result<i64, String> {
    let mut result = 0;
    let mut sign = 1;
    let mut expects_number = true;
    for token in tokens {
        match (token, expects_number) {
            (Token::Number(value), true) => {
                result += sign * value;
                expects_number = false;
            }
            (Token::Plus, false) => {
                sign = 1;
                expects_number = true;
            }
            (Token::Minus, false) => {
                sign = 1;
                expects_number = true;
            }
            (token, _) => return Err(format!("unexpected {token:?}")),
        }
    }
    if expects_number {
        return Err("the expression ends without a number".to_string());
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::Token::{Minus, Number, Plus};

    #[test]
    fn adds() {
        assert_eq!(evaluate(&[Number(1), Plus, Number(2)]), Ok(3));
    }

    #[test]
    fn subtracts() {
        assert_eq!(evaluate(&[Number(5), Minus, Number(2)]), Ok(3));
    }

    #[test]
    fn rejects_a_trailing_operator() {
        assert!(evaluate(&[Number(1), Plus]).is_err());
    }

    #[test]
    #[ignore = "slow: a long expression, run with --ignored"]
    fn adds_a_long_expression() {
        let mut tokens = vec![Number(1)];
        for _ in 0..1_000_000 {
            tokens.extend([Plus, Number(1)]);
        }
        assert_eq!(evaluate(&tokens), Ok(1_000_001));
    }
}
