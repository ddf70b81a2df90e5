//! The cluster commands against a mock API server: each request's method, path,
//! query and body is asserted, and the whole output.

use http::Method;
use serde_json::{Value, json};

use super::*;
use crate::cli::{ClusterArgs, DescribeArgs, GetArgs, OutputFormat, SyncArgs, WatchArgs};
use crate::cluster::fixtures::{self, list, new_plc, now, oven, production_line};
use crate::testing::api_server::{self, status_error};

const PLCS: &str = "/apis/fabgitops.io/v1/namespaces/default/industrialplcs";

fn cluster_args(namespace: Option<&str>) -> ClusterArgs {
    ClusterArgs {
        namespace: namespace.map(str::to_owned),
        request_timeout: 10,
    }
}

fn get_args(namespace: Option<&str>, all: bool, selector: Option<&str>) -> GetArgs {
    GetArgs {
        cluster: cluster_args(namespace),
        all_namespaces: all,
        selector: selector.map(str::to_owned),
    }
}

/// Runs `get` against a server expecting one list request at `uri`.
async fn get(
    args: GetArgs,
    format: OutputFormat,
    uri: &str,
    status: u16,
    response: Value,
) -> (Result<(), Error>, String, String) {
    let (client, mut server) = api_server::client();
    let uri = uri.to_owned();
    let server = tokio::spawn(async move {
        let request = server.expect(Method::GET, &uri, status, response).await;
        assert_eq!(request.body, Value::Null);
    });
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let result = get_with(&client, format, &args, now(), &mut out, &mut err).await;
    server.await.unwrap();
    (
        result,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[tokio::test]
async fn get_lists_the_default_namespace_with_the_selector_and_renders_the_table() {
    let (result, out, err) = get(
        get_args(None, false, Some("environment in (production,staging)")),
        OutputFormat::Human,
        &format!("{PLCS}?&labelSelector=environment+in+%28production%2Cstaging%29"),
        200,
        list(&[production_line(), new_plc()]),
    )
    .await;
    result.unwrap();
    assert_eq!(err, "");
    assert_eq!(
        out,
        "\
NAME                DEVICE                                    REGISTERS   IN SYNC   DRIFTED   PHASE       AGE
new-plc             [fd00::7]:5502                            0           -         -         -           45s
production-line-1   mock-plc.default.svc.cluster.local:5502   1           true      0         Connected   2d4h
"
    );
}

#[tokio::test]
async fn get_all_namespaces_lists_cluster_wide_with_a_namespace_column() {
    let (result, out, _) = get(
        get_args(None, true, None),
        OutputFormat::Human,
        "/apis/fabgitops.io/v1/industrialplcs?",
        200,
        list(&[production_line(), oven()]),
    )
    .await;
    result.unwrap();
    assert_eq!(
        out,
        "\
NAMESPACE   NAME                DEVICE                                    REGISTERS   IN SYNC   DRIFTED   PHASE           AGE
default     production-line-1   mock-plc.default.svc.cluster.local:5502   1           true      0         Connected       2d4h
plant-a     oven-1              10.0.0.7:502                              3           false     2         DriftDetected   5m30s
"
    );
}

#[tokio::test]
async fn get_json_is_one_kubectl_list_without_managed_fields() {
    let (result, out, _) = get(
        get_args(Some("plant-a"), false, None),
        OutputFormat::Json,
        "/apis/fabgitops.io/v1/namespaces/plant-a/industrialplcs?",
        200,
        list(&[oven()]),
    )
    .await;
    result.unwrap();
    assert_eq!(out.lines().count(), 1, "{out}");
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed["apiVersion"], "v1");
    assert_eq!(printed["kind"], "List");
    let item = &printed["items"][0];
    assert_eq!(item["metadata"]["name"], "oven-1");
    assert_eq!(item["status"]["registers"][0]["live"], 176.25);
    assert_eq!(item["spec"]["registers"][0]["wordOrder"], "little");
}

#[tokio::test]
async fn get_yaml_is_a_list_and_drops_managed_fields() {
    let (result, out, _) = get(
        get_args(None, false, None),
        OutputFormat::Yaml,
        &format!("{PLCS}?"),
        200,
        list(&[production_line()]),
    )
    .await;
    result.unwrap();
    let printed: Value = serde_saphyr::from_str(&out).unwrap();
    assert_eq!(printed["kind"], "List");
    assert_eq!(
        printed["items"][0]["metadata"]["labels"]["line"],
        "assembly-1"
    );
    assert_eq!(printed["items"][0]["spec"]["targetValue"], 2500);
    assert!(!out.contains("managedFields"), "{out}");
}

#[tokio::test]
async fn an_empty_namespace_is_a_note_on_stderr() {
    let (result, out, err) = get(
        get_args(Some("plant-b"), false, Some("line=x")),
        OutputFormat::Human,
        "/apis/fabgitops.io/v1/namespaces/plant-b/industrialplcs?&labelSelector=line%3Dx",
        200,
        list(&[]),
    )
    .await;
    result.unwrap();
    assert_eq!(out, "");
    assert_eq!(
        err,
        "No IndustrialPLCs found in namespace \"plant-b\" matching \"line=x\".\n"
    );
}

#[tokio::test]
async fn a_cluster_without_the_crd_says_how_to_install_it() {
    let (result, out, _) = get(
        get_args(None, false, None),
        OutputFormat::Human,
        &format!("{PLCS}?"),
        404,
        status_error(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
    )
    .await;
    assert_eq!(out, "");
    assert_eq!(
        result.unwrap_err().to_string(),
        "the IndustrialPLC resource type is not installed in this cluster (kubectl apply -f k8s/crd.yaml)"
    );
}

#[tokio::test]
async fn a_refused_request_names_rbac() {
    let (result, _, _) = get(
        get_args(None, true, None),
        OutputFormat::Human,
        "/apis/fabgitops.io/v1/industrialplcs?",
        403,
        status_error(
            403,
            "Forbidden",
            "industrialplcs.fabgitops.io is forbidden: User \"jane\" cannot list resource \"industrialplcs\" in API group \"fabgitops.io\" at the cluster scope",
        ),
    )
    .await;
    assert_eq!(
        result.unwrap_err().to_string(),
        "the Kubernetes API refused the request: industrialplcs.fabgitops.io is forbidden: User \"jane\" cannot list resource \"industrialplcs\" in API group \"fabgitops.io\" at the cluster scope (check your credentials and RBAC)"
    );
}

#[tokio::test]
async fn an_unanswered_request_times_out_with_a_clear_error() {
    let (client, mut server) = api_server::client();
    // Take the request and never answer it.
    let server = tokio::spawn(async move {
        let held = server.hold_next().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(held);
    });
    let mut args = get_args(None, false, None);
    args.cluster.request_timeout = 1;
    let result = get_with(
        &client,
        OutputFormat::Human,
        &args,
        now(),
        &mut Vec::new(),
        &mut Vec::new(),
    )
    .await;
    assert_eq!(
        result.unwrap_err().to_string(),
        "the Kubernetes API server did not answer within 1s (raise --request-timeout, or check the cluster)"
    );
    server.abort();
}

async fn describe(
    namespace: Option<&str>,
    name: &str,
    format: OutputFormat,
    status: u16,
    response: Value,
) -> (Result<(), Error>, String) {
    let (client, mut server) = api_server::client();
    let uri = format!(
        "/apis/fabgitops.io/v1/namespaces/{}/industrialplcs/{name}",
        namespace.unwrap_or("default")
    );
    let server = tokio::spawn(async move {
        server.expect(Method::GET, &uri, status, response).await;
    });
    let args = DescribeArgs {
        name: name.to_owned(),
        cluster: cluster_args(namespace),
    };
    let mut out = Vec::new();
    let result = describe_with(&client, format, &args, now(), &mut out).await;
    server.await.unwrap();
    (result, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn describe_gets_the_object_and_shows_spec_status_registers_and_conditions() {
    let (result, out) = describe(Some("plant-a"), "oven-1", OutputFormat::Human, 200, oven()).await;
    result.unwrap();
    assert_eq!(
        out,
        "\
Name:         oven-1
Namespace:    plant-a
Labels:       <none>
Annotations:  <none>
API Version:  fabgitops.io/v1
Kind:         IndustrialPLC
Created:      2026-11-25T11:54:30Z (5m30s ago)
Generation:   1
Spec:
  Device:          10.0.0.7:502 (unit 3)
  Timeout:         500ms
  Poll Interval:   10s
  Auto Correct:    false
  Tags:            <none>
  Write Windows:   0 22 * * 1-5 for 8h (Europe/Berlin)
                   0 6 * * 0 for 2h (UTC)
  Write Interval:  250ms
  Registers:
    NAME             KIND      ADDRESS   TYPE       DESIRED   TOLERANCE   BOUNDS    MODE
    zone1_setpoint   holding   100       f32 CDAB   180.5     0.1         20..250   enforce
    recipe           holding   130       u16        7         0           -         observe
    heater_on        coil      5         bool       true      0           -         enforce
Status:
  Phase:                DriftDetected
  In Sync:              false
  Drift Events:         12
  Corrections Applied:  0
  Current Value:        <none>
  Observed Generation:  1
  Last Update:          2026-11-25T11:59:50Z (10s ago)
  Sync Request:         <none>
  Last Error:           <none>
  Message:              2 registers drifted; autoCorrect is off
  Registers:
    NAME             KIND      ADDRESS   LIVE     DESIRED   IN SYNC   ACTION    MESSAGE
    zone1_setpoint   holding   100       176.25   180.5     false     Drifted   autoCorrect is off
    recipe           holding   130       9        7         false     Drifted   observe mode
    heater_on        coil      5         true     true      true      InSync
  Conditions:
    TYPE        STATUS   REASON      AGE   MESSAGE
    Ready       False    Drifted     3m    2 registers drifted
    Reachable   True     Connected   5m    10.0.0.7:502 unit 3 answered
    InSync      False    Drifted     3m    zone1_setpoint, recipe
Events:       kubectl events -n plant-a --for industrialplc/oven-1
"
    );
}

#[tokio::test]
async fn describe_of_the_original_sample_shows_the_shorthand_register_and_sync_state() {
    let (result, out) = describe(
        None,
        "production-line-1",
        OutputFormat::Human,
        200,
        production_line(),
    )
    .await;
    result.unwrap();
    assert_eq!(
        out,
        "\
Name:         production-line-1
Namespace:    default
Labels:       environment=production
              line=assembly-1
Annotations:  fabgitops.io/sync-requested-at: 2026-11-25T11:59:00Z
API Version:  fabgitops.io/v1
Kind:         IndustrialPLC
Created:      2026-11-23T08:00:00Z (2d4h ago)
Generation:   2
Spec:
  Device:          mock-plc.default.svc.cluster.local:5502 (unit 1)
  Timeout:         1000ms
  Poll Interval:   5s
  Auto Correct:    true
  Tags:            production, assembly, critical
  Write Windows:   always
  Write Interval:  0ms
  Registers:
    NAME     KIND      ADDRESS   TYPE   DESIRED   TOLERANCE   BOUNDS   MODE
    target   holding   4001      u16    2500      0           -        enforce
Status:
  Phase:                Connected
  In Sync:              true
  Drift Events:         3
  Corrections Applied:  3
  Current Value:        2500
  Observed Generation:  2
  Last Update:          2026-11-25T11:59:30Z (30s ago)
  Sync Request:         2026-11-25T11:59:00Z (handled)
  Last Error:           <none>
  Message:              all registers in sync
  Registers:            <none>
  Conditions:           <none>
Events:       kubectl events -n default --for industrialplc/production-line-1
"
    );
}

#[tokio::test]
async fn describe_before_any_agent_report_says_so() {
    let (result, out) = describe(None, "new-plc", OutputFormat::Human, 200, new_plc()).await;
    result.unwrap();
    assert!(
        out.ends_with(
            "\
Spec:
  Device:          [fd00::7]:5502 (unit 1)
  Timeout:         1000ms
  Poll Interval:   5s
  Auto Correct:    true
  Tags:            <none>
  Write Windows:   always
  Write Interval:  0ms
  Registers:       <none>
Status:       <none> (no agent has reported yet)
Events:       kubectl events -n default --for industrialplc/new-plc
"
        ),
        "{out}"
    );
}

#[tokio::test]
async fn describe_json_is_the_object() {
    let (result, out) = describe(Some("plant-a"), "oven-1", OutputFormat::Json, 200, oven()).await;
    result.unwrap();
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed["kind"], "IndustrialPLC");
    assert_eq!(printed["status"]["conditions"][1]["type"], "Reachable");
}

#[tokio::test]
async fn describe_of_a_missing_plc_names_it_and_its_namespace() {
    let (result, out) = describe(
        Some("plant-a"),
        "press-9",
        OutputFormat::Human,
        404,
        status_error(
            404,
            "NotFound",
            "industrialplcs.fabgitops.io \"press-9\" not found",
        ),
    )
    .await;
    assert_eq!(out, "");
    assert_eq!(
        result.unwrap_err().to_string(),
        "industrialplc \"press-9\" not found in namespace \"plant-a\""
    );
}

fn sync_args(name: &str, force: bool) -> SyncArgs {
    SyncArgs {
        name: name.to_owned(),
        force,
        cluster: cluster_args(None),
    }
}

/// The time the sync tests run at, with a sub-millisecond part to drop.
fn sync_time() -> Timestamp {
    "2026-11-25T12:00:00.123456Z".parse().unwrap()
}

async fn expect_sync_patch(server: &mut api_server::ApiServer, name: &str, response: Value) {
    let request = server
        .expect(
            Method::PATCH,
            &format!("{PLCS}/{name}?&fieldManager=fabctl"),
            200,
            response,
        )
        .await;
    assert_eq!(request.content_type, "application/merge-patch+json");
    assert_eq!(
        request.body,
        json!({"metadata": {"annotations": {"fabgitops.io/sync-requested-at": "2026-11-25T12:00:00.123Z"}}})
    );
}

#[tokio::test]
async fn sync_reads_then_merge_patches_the_annotation() {
    let (client, mut server) = api_server::client();
    let server = tokio::spawn(async move {
        // The last request was handled (status.lastSyncRequest equals the annotation).
        server
            .expect(
                Method::GET,
                &format!("{PLCS}/production-line-1"),
                200,
                production_line(),
            )
            .await;
        expect_sync_patch(&mut server, "production-line-1", production_line()).await;
    });
    let mut out = Vec::new();
    sync_with(
        &client,
        OutputFormat::Human,
        &sync_args("production-line-1", false),
        sync_time(),
        &mut out,
    )
    .await
    .unwrap();
    server.await.unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Sync requested for default/production-line-1 at 2026-11-25T12:00:00.123Z; the agent reconciles it at once.\n"
    );
}

#[tokio::test]
async fn sync_leaves_a_pending_request_alone_without_force() {
    let mut pending = production_line();
    pending["metadata"]["annotations"]["fabgitops.io/sync-requested-at"] =
        json!("2026-11-25T11:59:59Z");
    let (client, mut server) = api_server::client();
    let server = tokio::spawn(async move {
        server
            .expect(
                Method::GET,
                &format!("{PLCS}/production-line-1"),
                200,
                pending,
            )
            .await;
    });
    let mut out = Vec::new();
    sync_with(
        &client,
        OutputFormat::Json,
        &sync_args("production-line-1", false),
        sync_time(),
        &mut out,
    )
    .await
    .unwrap();
    server.await.unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"plc\":\"default/production-line-1\",\"requested_at\":\"2026-11-25T11:59:59Z\",\"type\":\"sync_pending\"}\n"
    );
}

#[tokio::test]
async fn sync_force_patches_without_reading() {
    let (client, mut server) = api_server::client();
    let server = tokio::spawn(async move {
        expect_sync_patch(&mut server, "new-plc", new_plc()).await;
    });
    let mut out = Vec::new();
    sync_with(
        &client,
        OutputFormat::Json,
        &sync_args("new-plc", true),
        sync_time(),
        &mut out,
    )
    .await
    .unwrap();
    server.await.unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"plc\":\"default/new-plc\",\"requested_at\":\"2026-11-25T12:00:00.123Z\",\"type\":\"sync_requested\"}\n"
    );
}

#[tokio::test]
async fn sync_of_a_missing_plc_is_a_clear_error() {
    let (client, mut server) = api_server::client();
    let server = tokio::spawn(async move {
        server
            .expect(
                Method::GET,
                &format!("{PLCS}/press-9"),
                404,
                status_error(404, "NotFound", "not found"),
            )
            .await;
    });
    let result = sync_with(
        &client,
        OutputFormat::Human,
        &sync_args("press-9", false),
        sync_time(),
        &mut Vec::new(),
    )
    .await;
    server.await.unwrap();
    assert_eq!(
        result.unwrap_err().to_string(),
        "industrialplc \"press-9\" not found in namespace \"default\""
    );
}

fn watch_args() -> WatchArgs {
    WatchArgs {
        get: get_args(None, false, None),
        interval: 1,
    }
}

/// Serves `frames` list responses, then stops the watch when the next list arrives.
async fn watch(frames: Vec<Value>, tty: bool, format: OutputFormat) -> String {
    let (client, mut server) = api_server::client();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        for frame in frames {
            server
                .expect(Method::GET, &format!("{PLCS}?"), 200, frame)
                .await;
        }
        let held = server.hold_next().await;
        stop_tx.send(()).unwrap();
        held
    });
    let mut out = Vec::new();
    watch_with(
        &client,
        format,
        &watch_args(),
        tty,
        &fixtures::now,
        &mut out,
        async {
            stop_rx.await.ok();
        },
    )
    .await
    .unwrap();
    drop(server.await.unwrap());
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn watch_without_a_terminal_prints_every_refresh_until_stopped() {
    let mut drifted = production_line();
    drifted["status"]["inSync"] = json!(false);
    drifted["status"]["phase"] = json!("DriftDetected");
    let out = watch(
        vec![list(&[production_line()]), list(&[drifted])],
        false,
        OutputFormat::Human,
    )
    .await;
    assert_eq!(
        out,
        "\
Every 1s: fabctl get    2026-11-25T12:00:00Z

NAME                DEVICE                                    REGISTERS   IN SYNC   DRIFTED   PHASE       AGE
production-line-1   mock-plc.default.svc.cluster.local:5502   1           true      0         Connected   2d4h

Every 1s: fabctl get    2026-11-25T12:00:00Z

NAME                DEVICE                                    REGISTERS   IN SYNC   DRIFTED   PHASE           AGE
production-line-1   mock-plc.default.svc.cluster.local:5502   1           false     -         DriftDetected   2d4h
"
    );
}

#[tokio::test]
async fn watch_on_a_terminal_redraws_in_place() {
    let out = watch(vec![list(&[])], true, OutputFormat::Human).await;
    assert_eq!(
        out,
        "\x1b[H\x1b[2JEvery 1s: fabctl get    2026-11-25T12:00:00Z\n\nNo IndustrialPLCs found in namespace \"default\".\n"
    );
}

#[tokio::test]
async fn watch_json_prints_one_list_per_line_per_refresh() {
    let out = watch(
        vec![list(&[oven()]), list(&[oven(), new_plc()])],
        false,
        OutputFormat::Json,
    )
    .await;
    let counts: Vec<usize> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["items"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(counts, [1, 2]);
}
