//! Executed documentation: every ```` ```console ```` block of README.md and docs/*.md
//! runs here, so a doc whose commands or messages no longer match fabctl fails the
//! tests instead of misleading a reader.
//!
//! A block is a terminal session:
//! - `$ COMMAND` lines are commands, run by `sh` in a scratch directory holding copies
//!   of `manifests/`, `sim/`, `docs/interop/` and `tests/invalid/`, with the `fabctl` under test first on
//!   `PATH`, `NO_COLOR=1` and an empty `HOME`; `$?` is the previous command's status;
//! - the lines up to the next command are its output (stdout and stderr together);
//!   trailing blank lines do not count, a line `...` stands for any number of lines,
//!   and `[..]` within a line for any text;
//! - a command ending in `&`, and `fabctl sim`, keep running in the background for the
//!   rest of the document (all blocks of one document are one session); their output
//!   is awaited (at most 20 s) until it starts with the lines shown;
//! - a line `Enter a value: ANSWER` in a command's output runs it on a terminal
//!   (`script`) and types ANSWER once the prompt is shown.
//!
//! The ports the copied files name (`port: 5502`, `listen: 127.0.0.1:5502`) are
//! replaced by free loopback ports, in the files, in commands and, backwards, in the
//! output, so sessions never collide with anything else on the machine.
//!
//! A block that cannot run here (a Kubernetes cluster, a third-party tool) says so in
//! its info string: ```` ```console ignore: REASON ````.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::loopback::unused_port;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// What each session copies from the repository: what the documented commands read.
const COPIED: [&str; 4] = ["manifests", "sim", "docs/interop", "tests/invalid"];
/// Longest a command may run, and a background command's output may take.
const COMMAND_LIMIT: Duration = Duration::from_secs(60);
const BACKGROUND_LIMIT: Duration = Duration::from_secs(20);

/// A fenced ```` ```console ```` block.
struct Block {
    doc: String,
    /// 1-based line of the opening fence.
    fence: usize,
    /// Why the block is not executed, if it is not.
    ignore: Option<String>,
    /// The lines inside the fence, with their 1-based line numbers.
    lines: Vec<(usize, String)>,
}

/// One command of a block and the output the doc shows for it.
struct Step {
    line: usize,
    command: String,
    expected: Vec<(usize, String)>,
}

fn console_blocks(doc: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        match open.as_mut() {
            Some(_) if line.trim_end() == "```" => blocks.extend(open.take()),
            Some(block) => block.lines.push((number, line.to_owned())),
            None => {
                let Some(info) = line.strip_prefix("```console") else {
                    continue;
                };
                let info = info.trim();
                let ignore = match info.strip_prefix("ignore:") {
                    Some(reason) if !reason.trim().is_empty() => Some(reason.trim().to_owned()),
                    _ if info.is_empty() => None,
                    _ => panic!(
                        "{doc}:{number}: a console block is executed (```console) or says why not (```console ignore: REASON), not {line:?}"
                    ),
                };
                open = Some(Block {
                    doc: doc.to_owned(),
                    fence: number,
                    ignore,
                    lines: Vec::new(),
                });
            }
        }
    }
    assert!(open.is_none(), "{doc}: a console block is never closed");
    blocks
}

fn steps(block: &Block) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for (number, line) in &block.lines {
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push(Step {
                line: *number,
                command: command.trim().to_owned(),
                expected: Vec::new(),
            });
        } else {
            let Some(step) = steps.last_mut() else {
                panic!("{}:{number}: output before any `$ ` command", block.doc);
            };
            step.expected.push((*number, line.clone()));
        }
    }
    for step in &mut steps {
        while step
            .expected
            .last()
            .is_some_and(|(_, l)| l.trim().is_empty())
        {
            step.expected.pop();
        }
    }
    steps
}

/// A document's session: its scratch directory, port map and background commands.
struct Session {
    dir: tempfile::TempDir,
    /// (port in the docs, free port used instead).
    ports: Vec<(u16, u16)>,
    background: Vec<(Child, Arc<Mutex<Vec<u8>>>)>,
    status: i32,
}

impl Session {
    fn new() -> Session {
        let dir = tempfile::tempdir().unwrap();
        let mut ports = Vec::new();
        for copied in COPIED {
            copy_tree(
                &Path::new(ROOT).join(copied),
                &dir.path().join(copied),
                &mut ports,
            );
        }
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Session {
            dir,
            ports,
            background: Vec::new(),
            status: 0,
        }
    }

    fn command(&self, program: &str) -> Command {
        let bin = Path::new(env!("CARGO_BIN_EXE_fabctl")).parent().unwrap();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![bin.to_path_buf()];
        paths.extend(std::env::split_paths(&path));
        let mut cmd = Command::new(program);
        cmd.current_dir(self.dir.path())
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("HOME", self.dir.path().join("home"))
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs one step; `Err` says how its output differs from the doc.
    fn run(&mut self, doc: &str, step: &Step) -> Result<(), String> {
        let command = map_numbers(&step.command, &self.ports, true);
        let expected: Vec<&str> = step.expected.iter().map(|(_, l)| l.as_str()).collect();
        let background = command.ends_with('&') || command.starts_with("fabctl sim");
        if background {
            return self.start(doc, step, command.trim_end_matches('&').trim(), &expected);
        }
        let answer = expected
            .iter()
            .find_map(|l| l.split_once("Enter a value: "))
            .map(|(before, answer)| (format!("{before}Enter a value: "), answer.to_owned()));
        let script = format!("(exit {}); {{ {command}\n}} 2>&1", self.status);
        let mut cmd = match &answer {
            None => {
                let mut cmd = self.command("sh");
                cmd.args(["-c", &script]);
                cmd
            }
            Some(_) => {
                // On a terminal, as a person answers a prompt.
                let mut cmd = self.command("script");
                cmd.args([
                    "-qec",
                    &format!("sh -c '{}'", script.replace('\'', r"'\''")),
                    "/dev/null",
                ])
                .stdin(Stdio::piped());
                cmd
            }
        };
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{doc}:{}: cannot run {command:?}: {e}", step.line))?;
        let output = collect(child.stdout.take().unwrap());
        let started = Instant::now();
        let mut stdin = child.stdin.take();
        let status = loop {
            if let (Some((prompt, answer)), Some(input)) = (&answer, stdin.as_mut())
                && normalize(&output, &self.ports).contains(prompt.trim_start())
            {
                let _ = input.write_all(format!("{answer}\n").as_bytes());
                stdin = None;
            }
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > COMMAND_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(self.mismatch(
                    doc,
                    step,
                    &expected,
                    &output,
                    "still running after 60 s (killed)",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader may still hold the last bytes.
        std::thread::sleep(Duration::from_millis(50));
        self.status = status.code().unwrap_or(128);
        let actual = normalize(&output, &self.ports);
        let lines: Vec<&str> = actual.lines().collect();
        if matches(&expected, trim_blank(&lines), false) {
            Ok(())
        } else {
            Err(self.mismatch(
                doc,
                step,
                &expected,
                &output,
                &format!("exit {}", self.status),
            ))
        }
    }

    /// Starts a background command and waits until its output begins as the doc
    /// shows (or, when the doc shows none, until the ports it names accept).
    fn start(
        &mut self,
        doc: &str,
        step: &Step,
        command: &str,
        expected: &[&str],
    ) -> Result<(), String> {
        let mut child = self
            .command("sh")
            .args(["-c", &format!("exec {command} 2>&1")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{doc}:{}: cannot run {command:?}: {e}", step.line))?;
        let output = collect(child.stdout.take().unwrap());
        let ports: Vec<u16> = self
            .ports
            .iter()
            .map(|(_, real)| *real)
            .filter(|real| command.contains(&real.to_string()))
            .collect();
        let started = Instant::now();
        let ready = loop {
            let actual = normalize(&output, &self.ports);
            let lines: Vec<&str> = actual.lines().collect();
            let ready = if expected.is_empty() {
                ports
                    .iter()
                    .all(|p| std::net::TcpStream::connect(("127.0.0.1", *p)).is_ok())
            } else {
                matches(expected, &lines, true)
            };
            if ready || started.elapsed() > BACKGROUND_LIMIT {
                break ready;
            }
            if child.try_wait().unwrap().is_some() {
                std::thread::sleep(Duration::from_millis(50));
                break matches(
                    expected,
                    &normalize(&output, &self.ports).lines().collect::<Vec<_>>(),
                    true,
                ) && !expected.is_empty();
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let result = if ready {
            Ok(())
        } else {
            Err(self.mismatch(
                doc,
                step,
                expected,
                &output,
                "background command, output awaited 20 s",
            ))
        };
        self.background.push((child, output));
        result
    }

    fn mismatch(
        &self,
        doc: &str,
        step: &Step,
        expected: &[&str],
        output: &Mutex<Vec<u8>>,
        what: &str,
    ) -> String {
        let lines = match (step.expected.first(), step.expected.last()) {
            (Some((first, _)), Some((last, _))) => format!("{doc}:{first}-{last}"),
            _ => format!("{doc}: (no output shown)"),
        };
        format!(
            "{doc}:{}: `$ {}` ({what}) does not print what the doc shows\n--- {lines} expects\n{}\n--- actual\n{}\n",
            step.line,
            step.command,
            expected.join("\n"),
            normalize(output, &self.ports).trim_end()
        )
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for (child, _) in &mut self.background {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads `stream` into a buffer on a thread of its own.
fn collect(mut stream: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buffer);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = stream.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buffer
}

/// The output as a reader sees it: carriage returns and escape sequences resolved,
/// and the free ports written as the docs name them.
fn normalize(output: &Mutex<Vec<u8>>, ports: &[(u16, u16)]) -> String {
    let text = String::from_utf8_lossy(&output.lock().unwrap()).into_owned();
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte.
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() || c == '~' {
                        break;
                    }
                }
            }
            continue;
        }
        plain.push(c);
    }
    let lines: Vec<&str> = plain
        .split('\n')
        .map(|l| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            l.rsplit('\r').next().unwrap_or(l)
        })
        .collect();
    map_numbers(&lines.join("\n"), ports, false)
}

fn trim_blank<'a, 'b>(lines: &'a [&'b str]) -> &'a [&'b str] {
    let mut end = lines.len();
    while end > 0 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    &lines[..end]
}

/// Whether `actual` is what `expected` shows (`...` lines, `[..]` within lines); with
/// `prefix`, lines after what is shown are allowed.
fn matches(expected: &[&str], actual: &[&str], prefix: bool) -> bool {
    match expected.split_first() {
        None => prefix || actual.is_empty(),
        Some((&"...", rest)) => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..], prefix))
        }
        Some((line, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| line_matches(line, a) && matches(rest, more, prefix)),
    }
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("[..]").collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return expected == actual;
    };
    if middle.is_empty() && parts.len() == 1 {
        return expected == actual;
    }
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        let Some(at) = rest.find(part) else {
            return false;
        };
        rest = &rest[at + part.len()..];
    }
    rest.ends_with(last)
}

/// Replaces each whole number that is a doc port (`forward`) by its free port, or
/// back.
fn map_numbers(text: &str, ports: &[(u16, u16)], forward: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        let mapped = digits.parse::<u16>().ok().and_then(|n| {
            ports
                .iter()
                .find(|(doc, real)| if forward { *doc == n } else { *real == n })
                .map(|(doc, real)| if forward { *real } else { *doc })
        });
        match mapped {
            Some(port) => out.push_str(&port.to_string()),
            None => out.push_str(digits),
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// Copies a directory, giving every port its YAML files name a free port.
fn copy_tree(from: &Path, to: &Path, ports: &mut Vec<(u16, u16)>) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target, ports);
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        match String::from_utf8(bytes) {
            Ok(text) if yaml => {
                std::fs::write(&target, rewrite_ports(&text, ports)).unwrap();
            }
            Ok(text) => std::fs::write(&target, text).unwrap(),
            Err(e) => std::fs::write(&target, e.into_bytes()).unwrap(),
        }
    }
}

/// Replaces the number after each `port: ` and `127.0.0.1:` by its free port,
/// choosing one for a port not seen before.
fn rewrite_ports(text: &str, ports: &mut Vec<(u16, u16)>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["port: ", "127.0.0.1:"]
            .iter()
            .filter_map(|m| rest.find(m).map(|at| (at + m.len(), *m)))
            .min();
        let Some((at, _)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let len = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..len].parse::<u16>() {
            Ok(port) if port != 0 => {
                let real = match ports.iter().find(|(doc, _)| *doc == port) {
                    Some((_, real)) => *real,
                    None => {
                        let real = unused_port();
                        ports.push((port, real));
                        real
                    }
                };
                out.push_str(&real.to_string());
            }
            _ => out.push_str(&rest[..len]),
        }
        rest = &rest[len..];
    }
}

fn documents() -> Vec<PathBuf> {
    let mut docs = vec![PathBuf::from("README.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| Path::new("docs").join(p.file_name().unwrap()))
        .collect();
    pages.sort();
    docs.extend(pages);
    docs
}

/// Every console session of the docs prints what the docs show.
#[test]
fn the_console_sessions_in_the_docs_print_what_they_show() {
    let mut failures = Vec::new();
    let mut executed = 0;
    for doc in documents() {
        let name = doc.display().to_string();
        let text = std::fs::read_to_string(Path::new(ROOT).join(&doc)).unwrap();
        let blocks = console_blocks(&name, &text);
        if blocks.iter().all(|b| b.ignore.is_some()) {
            continue;
        }
        // A session that starts pymodbus's server needs pymodbus (installed by .ci/run).
        if text.contains("pymodbus_server.py") && !crate::support::pymodbus::present() {
            continue;
        }
        let mut session = Session::new();
        for block in blocks.iter().filter(|b| b.ignore.is_none()) {
            let steps = steps(block);
            assert!(
                !steps.is_empty(),
                "{name}:{}: a console block without a `$ ` command",
                block.fence
            );
            for step in &steps {
                executed += 1;
                if let Err(e) = session.run(&name, step) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(
        executed >= 10,
        "only {executed} documented commands were executed"
    );
    assert!(
        failures.is_empty(),
        "{} documented command(s) differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The harness itself: elisions, wildcards and the port map.
#[test]
fn the_session_matcher_elides_and_maps_ports() {
    assert!(matches(&["a", "...", "d"], &["a", "b", "c", "d"], false));
    assert!(matches(&["a", "...", "d"], &["a", "d"], false));
    assert!(!matches(&["a", "d"], &["a", "b", "d"], false));
    assert!(!matches(&["a"], &["a", "b"], false));
    assert!(matches(&["a"], &["a", "b"], true));
    assert!(!matches(&["a", "b"], &["a"], true));
    assert!(line_matches("took [..] ms", "took 12 ms"));
    assert!(!line_matches("took [..] ms", "took 12 s"));
    assert!(line_matches("exact", "exact"));
    let mut ports = Vec::new();
    let text = rewrite_ports(
        "port: 5502\nlisten: 127.0.0.1:5502\nvalue: 5502\n",
        &mut ports,
    );
    let [(5502, real)] = ports.as_slice() else {
        panic!("{ports:?}")
    };
    assert_eq!(
        text,
        format!("port: {real}\nlisten: 127.0.0.1:{real}\nvalue: 5502\n")
    );
    assert_eq!(
        map_numbers(&format!("127.0.0.1:{real} 15502"), &ports, false),
        "127.0.0.1:5502 15502"
    );
    let blocks = console_blocks(
        "t.md",
        "x\n```console\n$ echo a\na\n\n$ true\n```\n```console ignore: needs a cluster\n$ kubectl get\n```\n",
    );
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[1].ignore.as_deref(), Some("needs a cluster"));
    let steps = steps(&blocks[0]);
    assert_eq!((steps[0].line, steps[0].expected.len()), (3, 1));
    assert!(steps[1].expected.is_empty());
}
