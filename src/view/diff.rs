//! The `live → desired` pair of the human view. When colored, the old value is red
//! and the new one green, each as a whole: a register holds a number or a boolean,
//! and `257.46 → 12.5` has no common part worth showing (a character diff would mark
//! the `2` and the `5` as unchanged).

use owo_colors::{OwoColorize, Style};

use crate::register::Value;

/// `old → new` (`?` for a value that is not known); with `color`, the old value red
/// and the new one green.
pub(crate) fn value_pair(old: Option<&Value>, new: Option<&Value>, color: bool) -> String {
    let text = |v: Option<&Value>| v.map_or_else(|| "?".to_owned(), Value::to_string);
    let (old_text, new_text) = (text(old), text(new));
    if !color {
        return format!("{old_text} → {new_text}");
    }
    let (red, green) = (Style::new().red(), Style::new().green());
    format!("{} → {}", old_text.style(red), new_text.style(green))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RED: &str = "\u{1b}[31m";
    const GREEN: &str = "\u{1b}[32m";
    const RESET: &str = "\u{1b}[0m";

    fn pair(old: Value, new: Value, color: bool) -> String {
        value_pair(Some(&old), Some(&new), color)
    }

    #[test]
    fn plain_without_color() {
        assert_eq!(
            pair(Value::Float(11.8), Value::Float(12.5), false),
            "11.8 → 12.5"
        );
        assert_eq!(value_pair(None, Some(&Value::Int(7)), false), "? → 7");
    }

    #[test]
    fn colors_whole_values_never_single_characters() {
        assert_eq!(
            pair(Value::Float(257.46), Value::Float(12.5), true),
            format!("{RED}257.46{RESET} → {GREEN}12.5{RESET}")
        );
        assert_eq!(
            pair(Value::Int(7), Value::Int(17), true),
            format!("{RED}7{RESET} → {GREEN}17{RESET}")
        );
        assert_eq!(
            pair(Value::Bool(false), Value::Bool(true), true),
            format!("{RED}false{RESET} → {GREEN}true{RESET}")
        );
        assert_eq!(
            value_pair(None, Some(&Value::Int(7)), true),
            format!("{RED}?{RESET} → {GREEN}7{RESET}")
        );
    }
}
