//! `fabctl get`, `describe`, `watch` and `sync`: the original operator's CLI over the
//! Kubernetes API.
//!
//! The public commands connect (kubeconfig or the pod's service account) and hand the
//! client to the `*_with` functions, which tests drive against a mock API server.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use jiff::Timestamp;
use kube::Client;
use serde_json::json;

use super::runtime;
use crate::cli::{
    ClusterArgs, DescribeArgs, GetArgs, GlobalArgs, OutputFormat, SyncArgs, WatchArgs,
};
use crate::cluster::{self, Format, Scope, SyncOutcome, describe, table};
use crate::error::Error;
use crate::outcome::Outcome;

#[cfg(test)]
mod tests;

/// `fabctl get`: the table (or a List as JSON or YAML).
pub fn get(global: &GlobalArgs, args: &GetArgs) -> Result<Outcome, Error> {
    with_client(&args.cluster, async |client| {
        get_with(
            &client,
            global.output,
            args,
            Timestamp::now(),
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )
        .await
    })
}

/// `fabctl describe NAME`.
pub fn describe(global: &GlobalArgs, args: &DescribeArgs) -> Result<Outcome, Error> {
    with_client(&args.cluster, async |client| {
        describe_with(
            &client,
            global.output,
            args,
            Timestamp::now(),
            &mut std::io::stdout(),
        )
        .await
    })
}

/// `fabctl watch`: until Ctrl-C.
pub fn watch(global: &GlobalArgs, args: &WatchArgs) -> Result<Outcome, Error> {
    let tty = std::io::stdout().is_terminal();
    with_client(&args.get.cluster, async |client| {
        let ctrl_c = async {
            // Without a signal handler, wait forever: the process is ended another way.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        watch_with(
            &client,
            global.output,
            args,
            tty,
            &Timestamp::now,
            &mut std::io::stdout(),
            ctrl_c,
        )
        .await
    })
}

/// `fabctl sync NAME [--force]`.
pub fn sync(global: &GlobalArgs, args: &SyncArgs) -> Result<Outcome, Error> {
    with_client(&args.cluster, async |client| {
        sync_with(
            &client,
            global.output,
            args,
            Timestamp::now(),
            &mut std::io::stdout(),
        )
        .await
    })
}

/// Connects, then runs `command` with the client; a success when it succeeds.
fn with_client(
    cluster_args: &ClusterArgs,
    command: impl AsyncFnOnce(Client) -> Result<(), Error>,
) -> Result<Outcome, Error> {
    let timeout = request_timeout(cluster_args);
    runtime()?.block_on(async {
        let client = cluster::connect(timeout).await?;
        command(client).await
    })?;
    Ok(Outcome::Success)
}

fn request_timeout(args: &ClusterArgs) -> Duration {
    Duration::from_secs(args.request_timeout)
}

/// JSON or YAML, when `-o` asks for a machine format.
fn machine(format: OutputFormat) -> Option<Format> {
    match format {
        OutputFormat::Human => None,
        OutputFormat::Json => Some(Format::Json),
        OutputFormat::Yaml => Some(Format::Yaml),
    }
}

fn scope(args: &GetArgs) -> Scope {
    Scope {
        namespace: args.cluster.namespace.clone(),
        all_namespaces: args.all_namespaces,
        selector: args.selector.clone(),
    }
}

/// Lists the resources and writes the table (or the List) to `out`; an empty table
/// is a note on `err`, as kubectl does.
pub async fn get_with(
    client: &Client,
    format: OutputFormat,
    args: &GetArgs,
    now: Timestamp,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Error> {
    let plcs = cluster::list(client, &scope(args), request_timeout(&args.cluster)).await?;
    match machine(format) {
        Some(format) => cluster::write_list(format, &plcs, out),
        None if plcs.is_empty() => Ok(writeln!(err, "{}", nothing_found(client, args))?),
        None => Ok(write_table(&plcs, args.all_namespaces, now, out)?),
    }
}

fn write_table(
    plcs: &[crate::manifest::IndustrialPLC],
    all_namespaces: bool,
    now: Timestamp,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let rows: Vec<table::Row> = plcs
        .iter()
        .map(|p| table::Row::from_resource(p, now))
        .collect();
    table::render(&rows, all_namespaces, out)
}

/// `No IndustrialPLCs found in namespace "default".`
fn nothing_found(client: &Client, args: &GetArgs) -> String {
    let place = if args.all_namespaces {
        "in any namespace".to_owned()
    } else {
        format!(
            "in namespace \"{}\"",
            cluster::namespace(client, args.cluster.namespace.as_deref())
        )
    };
    match &args.selector {
        Some(selector) => format!("No IndustrialPLCs found {place} matching \"{selector}\"."),
        None => format!("No IndustrialPLCs found {place}."),
    }
}

/// Gets one resource and describes it (or writes it as JSON or YAML).
pub async fn describe_with(
    client: &Client,
    format: OutputFormat,
    args: &DescribeArgs,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let plc = cluster::get(
        client,
        args.cluster.namespace.as_deref(),
        &args.name,
        request_timeout(&args.cluster),
    )
    .await?;
    match machine(format) {
        Some(format) => cluster::write_resource(format, &plc, out),
        None => Ok(describe::render(&plc, now, out)?),
    }
}

/// Re-lists every `--interval` seconds until `stop` resolves. On a terminal each
/// frame replaces the last; otherwise frames follow one another (JSON: one List per
/// line; YAML: one document per frame). A failure of the first list ends the watch;
/// later failures are logged and retried at the next refresh.
pub async fn watch_with(
    client: &Client,
    format: OutputFormat,
    args: &WatchArgs,
    tty: bool,
    clock: &dyn Fn() -> Timestamp,
    out: &mut dyn Write,
    stop: impl Future<Output = ()>,
) -> Result<(), Error> {
    let interval = Duration::from_secs(args.interval);
    let timeout = request_timeout(&args.get.cluster);
    let scope = scope(&args.get);
    tokio::pin!(stop);
    for frame in 0u64.. {
        let listed = tokio::select! {
            () = &mut stop => return Ok(()),
            listed = cluster::list(client, &scope, timeout) => listed,
        };
        match listed {
            Ok(plcs) => {
                write_frame(client, format, args, tty, frame, clock(), &plcs, out)?;
                out.flush()?;
            }
            Err(e) if frame == 0 => return Err(e.into()),
            Err(e) => tracing::warn!("{e}; retrying in {}s", args.interval),
        }
        tokio::select! {
            () = &mut stop => return Ok(()),
            () = tokio::time::sleep(interval) => {}
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_frame(
    client: &Client,
    format: OutputFormat,
    args: &WatchArgs,
    tty: bool,
    frame: u64,
    now: Timestamp,
    plcs: &[crate::manifest::IndustrialPLC],
    out: &mut dyn Write,
) -> Result<(), Error> {
    match machine(format) {
        Some(Format::Json) => cluster::write_list(Format::Json, plcs, out),
        Some(Format::Yaml) => {
            writeln!(out, "---")?;
            cluster::write_list(Format::Yaml, plcs, out)
        }
        None => {
            if tty {
                // Home, clear the screen: the new frame replaces the last.
                write!(out, "\x1b[H\x1b[2J")?;
            } else if frame > 0 {
                writeln!(out)?;
            }
            let now = Timestamp::from_second(now.as_second()).unwrap_or(now);
            writeln!(out, "Every {}s: fabctl get    {now}", args.interval)?;
            writeln!(out)?;
            if plcs.is_empty() {
                writeln!(out, "{}", nothing_found(client, &args.get))?;
            } else {
                write_table(plcs, args.get.all_namespaces, now, out)?;
            }
            Ok(())
        }
    }
}

/// Requests a sync and says what was done.
pub async fn sync_with(
    client: &Client,
    format: OutputFormat,
    args: &SyncArgs,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(), Error> {
    // Millisecond precision: two requests in one second still change the annotation.
    let now = Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now);
    let outcome = cluster::request_sync(
        client,
        args.cluster.namespace.as_deref(),
        &args.name,
        args.force,
        now,
        request_timeout(&args.cluster),
    )
    .await?;
    let (json, text) = match &outcome {
        SyncOutcome::Requested { plc, at } => (
            json!({"type": "sync_requested", "plc": plc, "requested_at": at}),
            format!("Sync requested for {plc} at {at}; the agent reconciles it at once."),
        ),
        SyncOutcome::Pending { plc, since } => (
            json!({"type": "sync_pending", "plc": plc, "requested_at": since}),
            format!(
                "A sync of {plc} requested at {since} is still pending (the agent has not handled it yet); nothing sent. Pass --force to request again."
            ),
        ),
    };
    match format {
        OutputFormat::Human => writeln!(out, "{text}")?,
        OutputFormat::Json | OutputFormat::Yaml => writeln!(out, "{json}")?,
    }
    Ok(())
}
