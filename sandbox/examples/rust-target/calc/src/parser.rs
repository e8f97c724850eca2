//! Splits an expression into numbers and operators.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Number(i64),
    Plus,
    Minus,
}

pub fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    for character in input.chars() {
        match character {
            ' ' => {}
            '+' => tokens.push(Token::Plus),
            '-' => tokens.push(Token::Minus),
            digit if digit.is_ascii_digit() => {
                tokens.push(Token::Number(i64::from(digit.to_digit(10).unwrap())));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_digit() {
        assert_eq!(tokenize("7"), Ok(vec![Token::Number(7)]));
    }

    #[test]
    fn parses_operators() {
        assert_eq!(
            tokenize("1+2-3"),
            Ok(vec![
                Token::Number(1),
                Token::Plus,
                Token::Number(2),
                Token::Minus,
                Token::Number(3)
            ])
        );
    }

    #[test]
    fn rejects_letters() {
        assert!(tokenize("1 + x").is_err());
    }

    #[test]
    fn parses_multi_digit_numbers() {
        assert_eq!(
            tokenize("12 + 345"),
            Ok(vec![Token::Number(12), Token::Plus, Token::Number(345)])
        );
    }
}
