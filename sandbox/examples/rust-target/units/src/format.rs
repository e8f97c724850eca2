//! Shows a temperature with its unit.

/// A value with one decimal and its unit: `21.5 °C`.
pub fn with_unit(value: f64, unit: &str) -> String {
    format!("{value} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_unit() {
        assert_eq!(with_unit(3.5, "°F"), "3.5 °F");
    }

    #[test]
    fn rounds_to_one_decimal() {
        assert_eq!(with_unit(98.64, "°F"), "98.6 °F");
    }
}
