//! The fast parser against the full one: whenever the fast parser accepts a text, the
//! full parser must accept it too and give the same nodes, values and line:column.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::parse;
use crate::manifest::node::{Node, NodeValue, parse_full};

fn same(fast: &Node, full: &Node, path: &str, text: &str) {
    let at = |n: &Node| (n.referenced.line, n.referenced.column);
    assert_eq!(
        at(fast),
        at(full),
        "{path}: location (line, column) differs (fast, full) in\n{text}"
    );
    match (&fast.value, &full.value) {
        (NodeValue::Seq(a), NodeValue::Seq(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: length differs in\n{text}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                same(x, y, &format!("{path}[{i}]"), text);
            }
        }
        (NodeValue::Map(a), NodeValue::Map(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: length differs in\n{text}");
            for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                assert_eq!(ka.value, kb.value, "{path}: key differs in\n{text}");
                assert_eq!(
                    (ka.referenced.line, ka.referenced.column),
                    (kb.referenced.line, kb.referenced.column),
                    "{path}.{}: key location differs in\n{text}",
                    ka.value
                );
                same(va, vb, &format!("{path}.{}", ka.value), text);
            }
        }
        (a, b) => assert_eq!(a, b, "{path}: value differs in\n{text}"),
    }
}

/// Checks `text`; returns whether the fast parser took it.
fn check(text: &str) -> bool {
    let Some(fast) = parse(text) else {
        return false;
    };
    let full = parse_full(text)
        .unwrap_or_else(|e| panic!("the full parser refuses what the fast one took: {e}\n{text}"));
    assert_eq!(fast.len(), full.len(), "documents differ in\n{text}");
    for (i, (a, b)) in fast.iter().zip(&full).enumerate() {
        same(a, b, &format!("doc{i}"), text);
    }
    true
}

fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("target") && !path.ends_with(".git") {
                yaml_files(&path, out);
            }
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
}

#[test]
fn every_yaml_file_of_the_repository_parses_alike() {
    let mut files = Vec::new();
    yaml_files(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &mut files);
    assert!(files.len() > 10, "found {files:?}");
    let mut taken = 0;
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue; // not UTF-8: refused before parsing
        };
        if check(&text) {
            taken += 1;
        }
    }
    // The example plant is in the subset: the fast path is the common path.
    for example in ["manifests/press.yaml", "manifests/oven.yaml"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(example);
        if let Ok(text) = std::fs::read_to_string(&path) {
            assert!(
                parse(&text).is_some(),
                "{example} should take the fast path"
            );
        }
    }
    assert!(taken > 0);
}

#[test]
fn a_generated_fleet_manifest_takes_the_fast_path() {
    let mut text = String::from(
        "# a comment\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata:\n  name: plc-00001\n  namespace: fleet\n  labels: {site: a, line: \"3\"}\nspec:\n  deviceAddress: 127.1.0.2\n  port: 5502\n  tags: [production, 'line 3']\n  registers:\n",
    );
    for r in 0..100 {
        text.push_str(&format!(
            "    - name: r{r:03}   # register {r}\n      address: {r}\n      value: {}\n      scale: 0.1\n",
            r * 7
        ));
    }
    text.push_str(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata:\n  key: value\n",
    );
    assert!(check(&text), "the fleet manifest should take the fast path");
}

#[test]
fn doubtful_scalars_and_constructs_go_to_the_full_parser() {
    for text in [
        "a: yes\n",
        "a: 0x1F\n",
        "a: 1e3\n",
        "a: .inf\n",
        "a: 007\n",
        "a: True\n",
        "a: ~\n",
        "a: -0\n",
        "a: 1_000\n",
        "a:\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: |\n  text\n",
        "a: b\n  c\n",
        "a: [1,\n  2]\n",
        "a: 1\na: 2\n",
        "a:\tb\n",
        "a: b\r\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n...\n",
        "---\n---\na: 1\n",
        "a: 1\n---\n",
        "a: http://x\n",
        "a: 99999999999999999999999\n",
        "? a\n: b\n",
        "a: [1, 2,]\n",
        "yes: 1\n",
        "a: 'unclosed\n",
    ] {
        assert!(
            parse(text).is_none(),
            "{text:?} should go to the full parser"
        );
    }
}

#[test]
fn edge_cases_parse_alike() {
    for text in [
        "a: 1\n",
        "a: -1\nb: 0\nc: 0.5\nd: -2.25\ne: 18446744073709551615\nf: -9223372036854775808\n",
        "a: true\nb: false\nc: null\n",
        "a: 127.0.0.1\nb: 10.0.0.1\nc: 1.2.3\n",
        "a: 'it''s'\nb: \"say \\\"hi\\\"\\n\"\nc: \"°C\"\nd: ''\n",
        "a: [x, 2.5, 'q', \"d\", [1, [2]], {k: v}]\nb: {x: 1, y: [a, b], z: {w: true}}\nc: []\nd: {}\n",
        "list:\n- a\n- b\nnext: 1\n",
        "list:\n  - a\n  -   b   # c\n  - {x: 1}\n  - [1]\n",
        "- name: a\n  address: 0\n- name: b\n  nested:\n    deep:\n      - 1\n      - 2\n",
        "-\n  a: 1\n-\n  - x\n",
        "---\na: 1\n---\nb: 2\n--- # comment\nc: 3\n",
        "# only a comment first\n\n  \na:   spaced   \n\n# trailing\n",
        "a: b c  d\n",
        "key-with.dots/and_slash: v\n",
        "a: -\n",
        "a: x # comment\nb: 'y' # comment\nc: [1] # comment\n",
        "a:\n  b:\n    c: d\n  e: f\n",
        "a: \"é\"\nb: {c: \"ü\", d: 1}\n",
    ] {
        check(text);
    }
}

/// Random manifests built from tricky pieces: whatever the fast parser takes must
/// equal the full parser's reading.
#[test]
fn random_documents_parse_alike() {
    let mut rng = SmallRng::seed_from_u64(5);
    let mut taken = 0;
    for _ in 0..3000 {
        let mut text = String::new();
        let docs = rng.random_range(1..=3);
        for d in 0..docs {
            if d > 0 || rng.random_bool(0.2) {
                text.push_str(if rng.random_bool(0.8) {
                    "---\n"
                } else {
                    "--- # c\n"
                });
            }
            block(&mut rng, &mut text, 0, 0, false);
        }
        if check(&text) {
            taken += 1;
        }
    }
    assert!(taken > 300, "the fast path took only {taken} of 3000");
}

const KEYS: &[&str] = &[
    "a", "name", "value", "address", "spec", "x_y", "k-1", "a.b", "b", "c", "d", "e", "true",
];
/// Scalars whose type is plain; the fast path takes documents made of these.
const SAFE: &[&str] = &[
    "1",
    "0",
    "-1",
    "42",
    "0.5",
    "-2.25",
    "18446744073709551615",
    "-9223372036854775808",
    "true",
    "false",
    "null",
    "127.0.0.1",
    "1.2.3",
    "abc",
    "a b",
    "x-y",
    "/path",
    "'q'",
    "'it''s'",
    "\"d\"",
    "\"e\\n\"",
    "''",
    "\"\"",
    "[1, 2]",
    "[]",
    "{}",
    "{a: 1}",
    "[a, [b, c]]",
    "{a: [1, 2], b: {c: d}}",
    "plc-00001",
    "fabgitops.io/v1",
    "\"é\"",
];
/// Scalars in doubt, or outside the subset.
const TRICKY: &[&str] = &[
    "007",
    "-0",
    "1e3",
    "1.",
    ".5",
    "0x1F",
    "1_000",
    "18446744073709551616",
    "-9223372036854775809",
    "True",
    "Null",
    "~",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "nan",
    ".nan",
    ".inf",
    "-.inf",
    "inf",
    "a:b",
    "a: b",
    "\"\\x41\"",
    "a#b",
    "a # c",
    "-a",
    "- a",
    "[1,]",
    "&x 1",
    "*x",
    "!!str 1",
    "|",
    "é",
    "a  b",
    "{a: 1, a: 2}",
];

fn scalar(rng: &mut SmallRng) -> &'static str {
    if rng.random_bool(0.97) {
        pick(rng, SAFE)
    } else {
        pick(rng, TRICKY)
    }
}

fn pick<'a>(rng: &mut SmallRng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

fn pad(text: &mut String, indent: usize) {
    text.extend(std::iter::repeat_n(' ', indent));
}

fn maybe_comment(rng: &mut SmallRng, text: &mut String) {
    if rng.random_bool(0.1) {
        text.push_str(" # note");
    }
    text.push('\n');
    if rng.random_bool(0.05) {
        text.push_str("\n# a comment line\n");
    }
}

/// A block mapping or sequence at `indent`; `inline` when it starts after `- `.
fn block(rng: &mut SmallRng, text: &mut String, indent: usize, depth: usize, inline: bool) {
    let entries = rng.random_range(1..=4);
    let seq = depth > 0 && rng.random_bool(0.35);
    for e in 0..entries {
        if !(inline && e == 0) {
            pad(text, indent);
        }
        if seq {
            text.push_str("- ");
        } else {
            text.push_str(pick(rng, KEYS));
            text.push(':');
        }
        let nested = depth < 3 && rng.random_bool(0.3);
        if nested {
            if seq && rng.random_bool(0.5) {
                block(rng, text, indent + 2, depth + 1, true);
            } else {
                maybe_comment(rng, text);
                let child = if !seq && rng.random_bool(0.2) {
                    indent
                } else {
                    indent + 2
                };
                if child == indent {
                    // A sequence at its key's indentation.
                    for _ in 0..rng.random_range(1..=3) {
                        pad(text, indent);
                        text.push_str("- ");
                        text.push_str(scalar(rng));
                        maybe_comment(rng, text);
                    }
                } else {
                    block(rng, text, child, depth + 1, false);
                }
            }
        } else {
            if !seq {
                text.push_str(if rng.random_bool(0.9) { " " } else { "   " });
            }
            text.push_str(scalar(rng));
            maybe_comment(rng, text);
        }
    }
}
