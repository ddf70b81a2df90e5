//! The `live → desired` pair of the human view, with a character diff when colored:
//! characters only in the old value red, characters only in the new value green,
//! common characters plain (`11.8 → 12.5` marks `1`/`8` and `2`/`5`). Booleans are
//! colored whole: `false → true` has no common part worth showing.

use owo_colors::{OwoColorize, Style};
use similar::{Algorithm, DiffTag, capture_diff_slices};

use crate::register::Value;

/// `old → new` (`?` for a value that is not known); with `color`, the characters
/// that differ are red (old) and green (new).
pub(crate) fn value_pair(old: Option<&Value>, new: Option<&Value>, color: bool) -> String {
    let text = |v: Option<&Value>| v.map_or_else(|| "?".to_owned(), Value::to_string);
    let (old_text, new_text) = (text(old), text(new));
    let is_bool = |v: Option<&Value>| matches!(v, Some(Value::Bool(_)));
    if color && (is_bool(old) || is_bool(new)) {
        let (red, green) = (Style::new().red(), Style::new().green());
        return format!("{} → {}", old_text.style(red), new_text.style(green));
    }
    text_pair(&old_text, &new_text, color)
}

/// [`value_pair`] for text.
fn text_pair(old: &str, new: &str, color: bool) -> String {
    if !color {
        return format!("{old} → {new}");
    }
    let old_chars: Vec<char> = old.chars().collect();
    let new_chars: Vec<char> = new.chars().collect();
    let mut left = String::new();
    let mut right = String::new();
    for op in capture_diff_slices(Algorithm::Myers, &old_chars, &new_chars) {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        let changed = tag != DiffTag::Equal;
        push(
            &mut left,
            &old_chars[old_range],
            changed,
            Style::new().red(),
        );
        push(
            &mut right,
            &new_chars[new_range],
            changed,
            Style::new().green(),
        );
    }
    format!("{left} → {right}")
}

fn push(out: &mut String, chars: &[char], changed: bool, style: Style) {
    let text: String = chars.iter().collect();
    if text.is_empty() {
        return;
    }
    if changed {
        out.push_str(&text.style(style).to_string());
    } else {
        out.push_str(&text);
    }
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
    fn colors_only_the_characters_that_differ() {
        assert_eq!(
            pair(Value::Float(11.8), Value::Float(12.5), true),
            format!("1{RED}1{RESET}.{RED}8{RESET} → 1{GREEN}2{RESET}.{GREEN}5{RESET}")
        );
        assert_eq!(
            pair(Value::Int(7), Value::Int(17), true),
            format!("7 → {GREEN}1{RESET}7")
        );
        assert_eq!(
            pair(Value::Float(52.1), Value::Int(45), true),
            format!("5{RED}2.1{RESET} → {GREEN}4{RESET}5")
        );
    }

    #[test]
    fn booleans_are_colored_whole() {
        assert_eq!(
            pair(Value::Bool(false), Value::Bool(true), true),
            format!("{RED}false{RESET} → {GREEN}true{RESET}")
        );
    }
}
