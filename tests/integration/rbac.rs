//! `k8s/rbac.yaml`, asked what `kubectl auth can-i` would answer: the agent's
//! ServiceAccount reads IndustrialPLCs and patches only their status (a stolen token
//! cannot rewrite desired values), and the role for `fabctl sync` can annotate.

use serde_json::{Value, json};

use crate::k8s::{documents, find};

const AGENT: (&str, &str) = ("fabctl-system", "fabctl-agent");

/// Whether one RBAC rule allows `verb` on `resource` (`plural` or `plural/subresource`)
/// of `group`, as the API server's authorizer decides: `*` matches any group, verb or
/// resource; `plural/*` any subresource of it; a rule on `plural` grants nothing on its
/// subresources.
fn allows(rule: &Value, verb: &str, group: &str, resource: &str) -> bool {
    let has = |field: &str, wanted: &dyn Fn(&str) -> bool| {
        rule[field]
            .as_array()
            .is_some_and(|items| items.iter().filter_map(Value::as_str).any(wanted))
    };
    let resource_matches = |r: &str| {
        r == "*"
            || r == resource
            || r.strip_suffix("/*")
                .is_some_and(|plural| resource.split_once('/').is_some_and(|(p, _)| p == plural))
    };
    has("apiGroups", &|g| g == "*" || g == group)
        && has("resources", &resource_matches)
        && has("verbs", &|v| v == "*" || v == verb)
}

/// The rules bound to the ServiceAccount `namespace/name` by every (Cluster)RoleBinding.
fn rules_of(namespace: &str, name: &str) -> Vec<Value> {
    let subject = json!({"kind": "ServiceAccount", "name": name, "namespace": namespace});
    let docs = documents();
    let mut rules = Vec::new();
    for binding in docs
        .iter()
        .filter(|d| d["kind"] == "ClusterRoleBinding" || d["kind"] == "RoleBinding")
    {
        let subjects = binding["subjects"].as_array().cloned().unwrap_or_default();
        if !subjects.iter().any(|s| {
            s["kind"] == subject["kind"]
                && s["name"] == subject["name"]
                && (s["namespace"] == subject["namespace"] || binding["kind"] == "RoleBinding")
        }) {
            continue;
        }
        let role_ref = &binding["roleRef"];
        let role = docs
            .iter()
            .find(|d| d["kind"] == role_ref["kind"] && d["metadata"]["name"] == role_ref["name"])
            .unwrap_or_else(|| panic!("{role_ref} is not in k8s/"));
        rules.extend(role["rules"].as_array().cloned().unwrap_or_default());
    }
    rules
}

/// `kubectl auth can-i VERB RESOURCE.GROUP` over `rules`.
fn can_i(rules: &[Value], verb: &str, resource: &str) -> bool {
    let (resource, group) = resource.split_once('.').unwrap_or((resource, ""));
    rules.iter().any(|rule| allows(rule, verb, group, resource))
}

/// Every question and its expected answer; all wrong answers at once.
fn assert_answers(who: &str, rules: &[Value], questions: &[(&str, &str, bool)]) {
    let wrong: Vec<String> = questions
        .iter()
        .filter(|(verb, resource, expected)| can_i(rules, verb, resource) != *expected)
        .map(|(verb, resource, expected)| {
            format!(
                "{who} can-i {verb} {resource}: expected {}",
                if *expected { "yes" } else { "no" }
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_evaluator_answers_as_the_api_server_does() {
    let everything = [json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})];
    assert!(can_i(&everything, "patch", "industrialplcs.fabgitops.io"));
    assert!(can_i(&everything, "get", "secrets"));
    let spec_only = [
        json!({"apiGroups": ["fabgitops.io"], "resources": ["industrialplcs"], "verbs": ["patch"]}),
    ];
    assert!(can_i(&spec_only, "patch", "industrialplcs.fabgitops.io"));
    assert!(!can_i(
        &spec_only,
        "patch",
        "industrialplcs/status.fabgitops.io"
    ));
    assert!(!can_i(&spec_only, "patch", "industrialplcs.other.io"));
    let any_sub = [
        json!({"apiGroups": ["fabgitops.io"], "resources": ["industrialplcs/*"], "verbs": ["patch"]}),
    ];
    assert!(can_i(
        &any_sub,
        "patch",
        "industrialplcs/status.fabgitops.io"
    ));
    assert!(!can_i(&any_sub, "patch", "industrialplcs.fabgitops.io"));
}

#[test]
fn the_agent_can_patch_the_status_but_never_the_spec() {
    let rules = rules_of(AGENT.0, AGENT.1);
    assert_answers(
        "the agent",
        &rules,
        &[
            ("get", "industrialplcs.fabgitops.io", true),
            ("list", "industrialplcs.fabgitops.io", true),
            ("watch", "industrialplcs.fabgitops.io", true),
            ("patch", "industrialplcs/status.fabgitops.io", true),
            ("create", "events.events.k8s.io", true),
            ("patch", "events.events.k8s.io", true),
            // Desired values and bounds are the users' alone.
            ("patch", "industrialplcs.fabgitops.io", false),
            ("update", "industrialplcs.fabgitops.io", false),
            ("create", "industrialplcs.fabgitops.io", false),
            ("delete", "industrialplcs.fabgitops.io", false),
            ("update", "industrialplcs/status.fabgitops.io", false),
            ("list", "plcmodels.fabgitops.io", true),
            ("watch", "plcmodels.fabgitops.io", true),
            ("patch", "plcmodels.fabgitops.io", false),
            ("update", "plcmodels.fabgitops.io", false),
            ("delete", "plcmodels.fabgitops.io", false),
            ("get", "secrets", false),
            ("list", "configmaps", false),
            ("create", "pods", false),
            ("create", "events", false),
            (
                "patch",
                "customresourcedefinitions.apiextensions.k8s.io",
                false,
            ),
            ("bind", "clusterroles.rbac.authorization.k8s.io", false),
            ("escalate", "clusterroles.rbac.authorization.k8s.io", false),
            ("impersonate", "serviceaccounts", false),
        ],
    );
    let binding = find("ClusterRoleBinding", "fabctl-agent");
    assert_eq!(
        binding["subjects"],
        json!([{"kind": "ServiceAccount", "name": "fabctl-agent", "namespace": "fabctl-system"}])
    );
}

#[test]
fn the_sync_role_can_annotate_and_is_bound_to_nobody_as_shipped() {
    let role = find("ClusterRole", "fabctl-sync");
    let rules = role["rules"].as_array().unwrap().clone();
    assert_answers(
        "fabctl-sync",
        &rules,
        &[
            ("get", "industrialplcs.fabgitops.io", true),
            ("list", "industrialplcs.fabgitops.io", true),
            ("watch", "industrialplcs.fabgitops.io", true),
            ("patch", "industrialplcs.fabgitops.io", true),
            // The status is the agent's word: users cannot forge it.
            ("patch", "industrialplcs/status.fabgitops.io", false),
            ("delete", "industrialplcs.fabgitops.io", false),
            ("get", "secrets", false),
        ],
    );
    let bound: Vec<Value> = documents()
        .into_iter()
        .filter(|d| {
            d["kind"]
                .as_str()
                .is_some_and(|k| k.ends_with("RoleBinding"))
        })
        .filter(|d| d["roleRef"]["name"] == "fabctl-sync")
        .collect();
    assert!(bound.is_empty(), "{bound:?}");
}
