//! Generated files that are committed: shell completions (`completions/`), man pages
//! (`docs/man/`) and the editor schema (`docs/schema/`). Each test regenerates its
//! files in memory and fails when the committed ones differ. To regenerate them all:
//!
//! ```sh
//! FABCTL_BLESS=1 cargo test --test integration generated
//! ```
//!
//! The example manifests are validated against the committed schema here too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, ValueEnum};
use clap_complete::{Generator, Shell};
use serde_json::Value as Json;

use crate::support::{run, stderr, stdout};

const REGENERATE: &str = "FABCTL_BLESS=1 cargo test --test integration generated";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("FABCTL_BLESS").is_some_and(|v| v == "1")
}

/// Compares (or, when blessing, writes) every file of `dir` that `files` names, and
/// reports files in `dir` with `extension` that nothing generates any more.
fn check_dir(dir: &str, extension: Option<&str>, files: &BTreeMap<String, Vec<u8>>) {
    let dir = root().join(dir);
    let stale_extra: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    extension.is_none_or(|ext| p.extension().is_some_and(|e| e == ext))
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| !files.contains_key(n) && !n.starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    if blessing() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, content) in files {
            std::fs::write(dir.join(name), content).unwrap();
        }
        for extra in stale_extra {
            std::fs::remove_file(extra).unwrap();
        }
        return;
    }
    let mut problems = Vec::new();
    for (name, content) in files {
        match std::fs::read(dir.join(name)) {
            Ok(committed) if committed == *content => {}
            Ok(_) => problems.push(format!("{name} is stale")),
            Err(_) => problems.push(format!("{name} is missing")),
        }
    }
    for extra in stale_extra {
        problems.push(format!(
            "{} is not generated any more",
            extra.file_name().unwrap().to_string_lossy()
        ));
    }
    assert!(
        problems.is_empty(),
        "{}: {}; regenerate with `{REGENERATE}`",
        dir.display(),
        problems.join(", ")
    );
}

#[test]
fn committed_completions_are_current() {
    let files: BTreeMap<String, Vec<u8>> = Shell::value_variants()
        .iter()
        .map(|&shell| {
            (
                shell.file_name("fabctl"),
                fabctl::cmd::generate::completion_script(shell),
            )
        })
        .collect();
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        [
            "_fabctl",
            "_fabctl.ps1",
            "fabctl.bash",
            "fabctl.elv",
            "fabctl.fish"
        ]
    );
    check_dir("completions", None, &files);
}

#[test]
fn completions_command_prints_the_script() {
    for shell in Shell::value_variants() {
        let out = run(&["completions", &shell.to_string()]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert_eq!(
            out.stdout,
            fabctl::cmd::generate::completion_script(*shell),
            "{shell}"
        );
    }
    let bash = stdout(&run(&["completions", "bash"]));
    for word in [
        "plan",
        "apply",
        "validate",
        "--detailed-exitcode",
        "--junit",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("possible values: bash, elvish, fish, powershell, zsh"));
}

/// `fabctl.1` and one page per visible subcommand (`fabctl-plan.1`, …), as
/// `clap_mangen::generate_to` would write them.
fn man_pages() -> BTreeMap<String, Vec<u8>> {
    fn collect(cmd: &clap::Command, pages: &mut BTreeMap<String, Vec<u8>>) {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut page = Vec::new();
        man.render(&mut page).unwrap();
        let page = with_help_sections(&String::from_utf8(page).unwrap(), cmd);
        pages.insert(man.get_filename(), page.into_bytes());
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            collect(sub, pages);
        }
    }
    let mut cmd = fabctl::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = BTreeMap::new();
    collect(&cmd, &mut pages);
    pages
}

/// clap_mangen puts a command's long help epilogue in one section named EXTRA; ours
/// is "Examples:" and "Exit status:" (src/cli/help.rs), which become the EXAMPLES
/// and EXIT STATUS sections man pages have, their lines kept as written.
fn with_help_sections(page: &str, cmd: &clap::Command) -> String {
    let Some(epilogue) = cmd.get_after_long_help().map(|h| h.to_string()) else {
        return page.to_owned();
    };
    let start = page
        .find(".SH EXTRA\n")
        .expect("clap_mangen's EXTRA section");
    let end = page[start + 1..]
        .find("\n.SH ")
        .map_or(page.len(), |i| start + 1 + i + 1);
    let mut sections = String::new();
    for line in epilogue.lines() {
        if let Some(heading) = line.strip_suffix(':').filter(|h| !h.starts_with(' ')) {
            if !sections.is_empty() {
                sections.push_str(".fi\n");
            }
            let heading = heading.to_uppercase();
            if heading.contains(' ') {
                sections.push_str(&format!(".SH \"{heading}\"\n.nf\n"));
            } else {
                sections.push_str(&format!(".SH {heading}\n.nf\n"));
            }
        } else if !line.is_empty() {
            let escaped = line.replace('\\', "\\e").replace('-', "\\-");
            let escaped = if escaped.starts_with(['.', '\'']) {
                format!("\\&{escaped}")
            } else {
                escaped
            };
            sections.push_str(&escaped);
            sections.push('\n');
        }
    }
    sections.push_str(".fi\n");
    format!("{}{sections}{}", &page[..start], &page[end..])
}

#[test]
fn committed_man_pages_are_current() {
    let pages = man_pages();
    for page in [
        "fabctl.1",
        "fabctl-plan.1",
        "fabctl-apply.1",
        "fabctl-completions.1",
    ] {
        assert!(pages.contains_key(page), "{page}: {:?}", pages.keys());
    }
    let plan = String::from_utf8_lossy(&pages["fabctl-plan.1"]);
    assert!(plan.contains("junit"), "{plan}");
    for (name, page) in &pages {
        let page = String::from_utf8_lossy(page);
        assert!(page.contains(".SH EXAMPLES\n"), "{name} has no EXAMPLES");
        assert!(
            page.contains(".SH \"EXIT STATUS\"\n"),
            "{name} has no EXIT STATUS"
        );
        assert!(!page.contains(".SH EXTRA"), "{name}");
    }
    assert!(
        plan.contains("2  with \\-\\-detailed\\-exitcode: something differs"),
        "{plan}"
    );
    check_dir("docs/man", Some("1"), &pages);
}

const SCHEMA_FILE: &str = "docs/schema/industrialplc.schema.json";

#[test]
fn committed_schema_is_what_fabctl_schema_prints() {
    let out = run(&["schema"]);
    let model = run(&["schema", "--kind", "plcmodel"]);
    assert!(model.status.success());
    assert!(out.status.success(), "{}", stderr(&out));
    let files = BTreeMap::from([
        ("industrialplc.schema.json".to_owned(), out.stdout),
        ("plcmodel.schema.json".to_owned(), model.stdout),
    ]);
    check_dir("docs/schema", Some("json"), &files);
}

/// The schema `fabctl schema` prints (the committed one, see above), compiled by a
/// JSON Schema validator.
struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn new() -> Validator {
        let schema: Json = serde_json::from_str(&stdout(&run(&["schema"]))).unwrap();
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V7);
        compiler
            .add_resource("file:///industrialplc.schema.json", schema)
            .unwrap();
        let index = compiler
            .compile("file:///industrialplc.schema.json", &mut schemas)
            .unwrap_or_else(|e| panic!("the schema does not compile: {e:#}"));
        Validator { schemas, index }
    }

    /// `Err` with the validator's explanation when `doc` is not valid.
    fn check(&self, doc: &Json) -> Result<(), String> {
        self.schemas
            .validate(doc, self.index)
            .map_err(|e| e.to_string())
    }

    /// Every `IndustrialPLC` document of a YAML text: `Err` names the first invalid one.
    fn check_yaml(&self, yaml: &str) -> Result<usize, String> {
        let docs: Vec<Json> = serde_saphyr::from_multiple(yaml).map_err(|e| e.to_string())?;
        let ours: Vec<&Json> = docs
            .iter()
            .filter(|d| d["kind"] == "IndustrialPLC")
            .collect();
        for doc in &ours {
            self.check(doc)?;
        }
        Ok(ours.len())
    }
}

/// The example manifests: `manifests/`, `k8s/samples/` and the YAML files and
/// ```yaml blocks of the docs that hold an IndustrialPLC, with what `fabctl validate`
/// says of each.
fn examples() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in ["manifests", "k8s/samples", "docs"] {
        collect_files(&root().join(dir), &mut files);
    }
    files.push(root().join("README.md"));
    files.sort();
    let mut examples = Vec::new();
    for path in files {
        let name = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") if text.contains("kind: IndustrialPLC") => {
                examples.push((name, text))
            }
            Some("md") => {
                for (i, block) in text.split("```yaml\n").skip(1).enumerate() {
                    let block = block.split("```").next().unwrap_or_default();
                    if block.contains("kind: IndustrialPLC") {
                        examples.push((format!("{name} (yaml block {})", i + 1), block.into()));
                    }
                }
            }
            _ => {}
        }
    }
    examples
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_example_manifest_names_the_schema_and_validates_against_it() {
    let validator = Validator::new();
    let schema_file = root().join(SCHEMA_FILE).canonicalize().unwrap();
    let examples = examples();
    let names: Vec<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "manifests/press-1.yaml",
        "manifests/oven-1.yaml",
        "manifests/packaging.yaml",
        "README.md (yaml block 1)",
    ] {
        assert!(names.contains(&expected), "{expected} not found: {names:?}");
    }
    for (name, text) in &examples {
        // The example plant's files start with the editor's schema line (others may),
        // and its relative path leads to the committed schema.
        let first = text.lines().next().unwrap_or_default();
        let schema_line = first.strip_prefix("# yaml-language-server: $schema=");
        assert!(
            schema_line.is_some() || !name.starts_with("manifests/"),
            "{name}: the first line must be `# yaml-language-server: $schema=…`, got {first:?}"
        );
        if let Some(target) = schema_line {
            let resolved = root().join(name).parent().unwrap().join(target);
            assert_eq!(
                resolved.canonicalize().ok().as_ref(),
                Some(&schema_file),
                "{name}: $schema={target} does not lead to {SCHEMA_FILE}"
            );
        }
        let count = validator
            .check_yaml(text)
            .unwrap_or_else(|e| panic!("{name} does not validate against the schema: {e}"));
        assert!(count > 0, "{name}");
    }
}

#[test]
fn what_validate_accepts_the_schema_accepts() {
    let validator = Validator::new();
    // The original operator's sample, and fields only Kubernetes writes.
    let sample =
        std::fs::read_to_string(root().join("tests/fixtures/original-sample-plc.yaml")).unwrap();
    assert_eq!(validator.check_yaml(&sample), Ok(2));
    let cases = [
        // Optional fields given as null, as `fabctl validate` allows.
        "{name: a, address: 1, value: 5, min: null, max: null, type: null}",
        // A value is a number or a boolean.
        "{name: a, address: 1, value: 12.5, type: f32}",
        "{name: a, address: 1, value: -3, type: i16}",
        "{name: a, address: 1, kind: coil, value: true}",
        "{name: a, address: 1, kind: discrete, value: 0}",
        "{name: a, address: 1, type: bool, bit: 3, value: 1}",
        "{name: a, address: 1, readAddress: 513, value: 1}",
        "{name: a, address: 1, type: u16, scale: 0.1, value: 250.5}",
        // Text for a string, and the byte orders.
        "{name: a, address: 1, type: string, length: 4, value: \"PVC-40\"}",
        "{name: a, address: 1, type: f32, wordOrder: little, byteOrder: little, value: 12.5}",
    ];
    for register in cases {
        let doc = manifest(register, "");
        assert_eq!(validator.check_yaml(&doc), Ok(1), "{doc}");
        assert!(validates(&doc), "fabctl validate rejects {doc}");
    }
    let kubernetes = manifest(
        "{name: a, address: 1, value: 5}",
        "  uid: 0d4c3a2e\n  resourceVersion: \"42\"\n  generation: 3\n  labels: {line: a}\n",
    );
    assert_eq!(validator.check_yaml(&kubernetes), Ok(1), "{kubernetes}");
    assert!(validates(&kubernetes));
}

#[test]
fn what_validate_rejects_for_its_shape_the_schema_rejects() {
    let validator = Validator::new();
    let cases = [
        // Unknown field, with a typo.
        ("{name: a, adress: 1, value: 5}", ""),
        // A value that is neither a number nor a boolean.
        ("{name: a, address: 1, value: \"5\"}", ""),
        // Enum typo, out-of-range address, missing value.
        ("{name: a, address: 1, value: 5, kind: holdin}", ""),
        ("{name: a, address: 70000, value: 5}", ""),
        ("{name: a, address: 1}", ""),
        // A boolean for a number, a number for a coil, a name with capitals.
        ("{name: a, address: 1, value: true}", ""),
        ("{name: a, address: 1, kind: coil, value: 2}", ""),
        ("{name: Speed, address: 1, value: 5}", ""),
        // A number for a string, a string without its length, a byte order typo.
        (
            "{name: a, address: 1, type: string, length: 2, value: 12}",
            "",
        ),
        ("{name: a, address: 1, type: string, value: \"A\"}", ""),
        (
            "{name: a, address: 1, type: f32, byteOrder: swapped, value: 1}",
            "",
        ),
        // An unknown metadata field.
        ("{name: a, address: 1, value: 5}", "  nmae: x\n"),
    ];
    for (register, metadata) in cases {
        let doc = manifest(register, metadata);
        assert!(validator.check_yaml(&doc).is_err(), "schema accepts {doc}");
        assert!(!validates(&doc), "fabctl validate accepts {doc}");
    }
    let bad_name = manifest("{name: a, address: 1, value: 5}", "").replace("name: m", "name: M_1");
    assert!(validator.check_yaml(&bad_name).is_err(), "{bad_name}");
    assert!(!validates(&bad_name));
    // The invalid corpus: every file whose problem is its shape.
    for file in [
        "unknown-field",
        "wrong-type",
        "enum-typo",
        "missing-device-address",
        "bad-name",
        "bool-for-number",
        "every-problem-at-once",
        "string-unquoted-number",
        "string-without-length",
        "byte-order-typo",
    ] {
        let path = root().join(format!("tests/invalid/{file}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            validator.check_yaml(&text).is_err(),
            "the schema accepts tests/invalid/{file}.yaml"
        );
    }
}

/// A one-register manifest with extra `metadata` lines.
fn manifest(register: &str, metadata: &str) -> String {
    format!(
        "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata:\n  name: m\n{metadata}spec:\n  deviceAddress: 127.0.0.1\n  registers:\n    - {register}\n"
    )
}

/// Whether `fabctl validate` accepts `yaml`.
fn validates(yaml: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    std::fs::write(&path, yaml).unwrap();
    run(&["validate", "-f", path.to_str().unwrap()])
        .status
        .success()
}
