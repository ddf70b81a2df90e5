//! `fabctl plan` in CI: the JUnit report, and under GitHub Actions the annotations on
//! the manifest lines and the step summary. The real binary against the simulator.

use std::path::Path;
use std::process::Output;

use fabctl::register::RegisterKind::Holding;

use crate::support::{Plant, fabctl, stderr, stdout};

const PLANT: &str = r#"# A press that drifts and an oven nobody listens for.
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: press, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @press
  timeoutMs: 500
  registers:
    - name: speed
      address: 100
      type: f32
      value: 12.5
    - name: recipe
      address: 130
      value: 7
      mode: observe
    - name: force
      address: 120
      value: 250
---
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: oven, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @closed
  timeoutMs: 300
  registers:
    - name: setpoint
      address: 10
      value: 180
"#;

/// Runs `fabctl plan ARGS -f plant.yaml` with `env` set (and the runner's own
/// GitHub variables, if any, removed).
async fn plan(plant: &Plant, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = fabctl();
    cmd.arg("plan")
        .args(args)
        .arg("-f")
        .arg(&plant.manifest)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_WORKSPACE")
        .env_remove("CI_PROJECT_DIR")
        .env_remove("WORKSPACE");
    for (name, value) in env {
        cmd.env(name, value);
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// 1-based line and column of the mapping that starts with `- name: NAME`.
fn declared(manifest: &str, name: &str) -> (usize, usize) {
    let needle = format!("- name: {name}\n");
    manifest
        .lines()
        .enumerate()
        .find_map(|(i, l)| format!("{l}\n").find(&needle).map(|col| (i + 1, col + 3)))
        .unwrap_or_else(|| panic!("{name} is not in the manifest"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_actions_annotates_the_register_line_and_writes_the_summary_and_junit() {
    let plant = Plant::start(PLANT).await;
    assert!(
        plant
            .sim
            .set_words("plant/press", Holding, 100, &[0x4120, 0])
    ); // speed 10.0
    assert!(plant.sim.set_words("plant/press", Holding, 130, &[8])); // recipe 8
    let summary = plant.dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let junit = plant.dir.path().join("report.xml");
    let junit_arg = junit.to_str().unwrap();
    let out = plan(
        &plant,
        &["--detailed-exitcode", "--junit", junit_arg],
        &[
            ("GITHUB_ACTIONS", Path::new("true")),
            ("GITHUB_STEP_SUMMARY", &summary),
            ("GITHUB_WORKSPACE", plant.dir.path()),
        ],
    )
    .await;
    // The oven is unreachable: an error, whatever drifted.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("Plan: 1 to change, 1 drifted, 1 in sync, 1 unreachable.\n"),
        "{}",
        stdout(&out)
    );
    assert!(
        !stdout(&out).contains("::error"),
        "annotations go to stderr"
    );

    let manifest = std::fs::read_to_string(&plant.manifest).unwrap();
    let (speed_line, speed_col) = declared(&manifest, "speed");
    let (recipe_line, recipe_col) = declared(&manifest, "recipe");
    let oven_line = manifest
        .lines()
        .position(|l| l == "---")
        .expect("two documents")
        + 2;
    let stderr = stderr(&out);
    let annotations: Vec<&str> = stderr.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 3, "{stderr}");
    assert_eq!(
        annotations[0],
        format!(
            "::error file=plant.yaml,line={speed_line},col={speed_col},title=plant/press speed will change::fabctl plan: speed (holding 100 f32): 10 → 12.5 (will change)"
        )
    );
    assert_eq!(
        annotations[1],
        format!(
            "::error file=plant.yaml,line={recipe_line},col={recipe_col},title=plant/press recipe drifted::fabctl plan: recipe (holding 130 u16): 8 → 7 (drifted, observe only)"
        )
    );
    let oven = format!(
        "::error file=plant.yaml,line={oven_line},col=1,title=plant/oven unreachable::fabctl plan: plant/oven (127.0.0.1:"
    );
    assert!(annotations[2].starts_with(&oven), "{}", annotations[2]);

    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.starts_with("earlier step\n### fabctl plan\n\n"),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "| `~` | plant/press | speed | holding 100 | f32 | 10 | 12.5 | will change | plant.yaml:{speed_line} |"
        )),
        "{summary}"
    );

    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<testsuites name="fabctl plan" tests="4" failures="2" errors="1">"#),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            r#"<testcase name="speed" classname="plant.press" file="plant.yaml" line="{speed_line}">
      <failure type="change" message="10 → 12.5 (will change)">"#
        )),
        "{xml}"
    );
    let (force_line, _) = declared(&manifest, "force");
    assert!(
        xml.contains(&format!(
            r#"<testcase name="force" classname="plant.press" file="plant.yaml" line="{force_line}"/>"#
        )),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            r#"<testcase name="reachable" classname="plant.oven" file="plant.yaml" line="{oven_line}">
      <error type="unreachable" message="unreachable: "#
        )),
        "{xml}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_github_actions_nothing_is_annotated_and_junit_is_opt_in() {
    let plant = Plant::start(PLANT).await;
    assert!(plant.sim.set_words("plant/press", Holding, 130, &[8]));
    let summary = plant.dir.path().join("summary.md");
    let out = plan(&plant, &[], &[("GITHUB_STEP_SUMMARY", &summary)]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("::error"), "{}", stderr(&out));
    assert!(!summary.exists());
    assert!(
        std::fs::read_dir(plant.dir.path()).unwrap().all(|e| e
            .unwrap()
            .path()
            .extension()
            .is_none_or(|x| x != "xml"))
    );

    // A report that cannot be written is an error that names the file.
    let out = plan(&plant, &["--junit", "/nonexistent/dir/report.xml"], &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: cannot write /nonexistent/dir/report.xml: "),
        "{}",
        stderr(&out)
    );
}

/// Every `fabctl SUBCOMMAND …` in docs/ci.md parses with the real command line, and
/// every YAML example is YAML.
#[test]
fn the_ci_guide_uses_real_flags() {
    use clap::{CommandFactory, Parser};
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci.md")).unwrap();
    let subcommands: Vec<String> = fabctl::cli::Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    let mut checked = 0;
    for line in guide.lines() {
        for (i, _) in line.match_indices("fabctl ") {
            let rest = &line[i..];
            let end = rest
                .find(['`', '\'', '"', '#', '|', ')', ','])
                .unwrap_or(rest.len());
            let words: Vec<&str> = rest[..end].split_whitespace().collect();
            if !words
                .get(1)
                .is_some_and(|w| subcommands.iter().any(|s| s == w))
            {
                continue;
            }
            if let Err(e) = fabctl::cli::Cli::try_parse_from(&words) {
                panic!("docs/ci.md: `{}` does not parse: {e}", words.join(" "));
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} commands found");
    let blocks: Vec<&str> = guide
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or_default())
        .collect();
    assert_eq!(blocks.len(), 2, "the GitHub and GitLab examples");
    for block in blocks {
        let parsed: Result<serde_json::Value, _> = serde_saphyr::from_str(block);
        assert!(parsed.is_ok(), "{parsed:?}\n{block}");
    }
}

/// The release workflow cannot run here (docs/releasing.md): what can be checked is that
/// it parses and builds what the page promises.
#[test]
fn the_release_workflow_builds_static_binaries_checksums_and_the_image() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml"),
    )
    .unwrap();
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(workflow["on"]["push"]["tags"], serde_json::json!(["v*"]));
    let jobs = &workflow["jobs"];
    let targets: Vec<&str> = jobs["binaries"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]
    );
    let steps = |job: &str| -> String {
        jobs[job]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{}\n{}\n", s["run"].as_str().unwrap_or(""), s["with"]))
            .collect()
    };
    assert!(
        steps("binaries").contains("cargo build --release --locked --target ${{ matrix.target }}")
    );
    assert!(steps("release").contains("sha256sum dist/*.tar.gz"));
    assert!(steps("release").contains("SHA256SUMS"));
    assert!(steps("image").contains("linux/amd64,linux/arm64"));
}
