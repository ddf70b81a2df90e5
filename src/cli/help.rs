//! The long help's closing sections of each command (`fabctl plan --help`): examples
//! and exit status. The man pages (`docs/man/`) show them as their EXAMPLES and EXIT
//! STATUS sections.

/// The exit status of a command that succeeds or fails; `$zero` says when it is 0.
macro_rules! exit_status {
    ($zero:literal) => {
        concat!(
            "\nExit status:\n  0  ",
            $zero,
            "\n  1  an error, including a usage error (an unknown flag, a missing value)\n"
        )
    };
}

pub const ROOT: &str = "\
Examples:
  fabctl validate -f manifests/
  fabctl plan --detailed-exitcode
  fabctl apply
  fabctl plan --out plan.json && fabctl apply plan.json
  fabctl demo

Exit status:
  0  success
  1  an error, including a usage error (an unknown flag, a missing value); also a
     failed or refused write, an unreachable PLC, a cancelled apply
  2  only with `plan --detailed-exitcode`: something differs
";

pub const KEYGEN: &str = concat!(
    "Examples:\n  fabctl keygen ~/.config/fabctl/alice.key\n",
    exit_status!("the key pair was written; 1 also when KEY exists already")
);

pub const APPROVE: &str = concat!(
    "Examples:\n  fabctl approve plan.json --sign-key ~/.config/fabctl/alice.key\n",
    exit_status!("the plan was signed")
);

pub const HISTORY: &str = concat!(
    "Examples:\n  fabctl history\n  fabctl history plant-a/press-1\n  fabctl history plant-a/press-1/speed\n  fabctl -o json history\n",
    exit_status!("the audit log was read")
);

pub const VALIDATE: &str = concat!(
    "Examples:\n  fabctl validate -f manifests/\n  fabctl -o json validate -f press-1.yaml\n",
    exit_status!("every manifest is valid; 1 also when any is invalid")
);

pub const CRD: &str = concat!(
    "Examples:\n  fabctl crd > k8s/crd.yaml\n  fabctl crd | kubectl apply -f -\n",
    exit_status!("printed")
);

pub const SCHEMA: &str = concat!(
    "Examples:\n  fabctl schema > industrialplc.schema.json\n  fabctl schema --kind plcmodel > plcmodel.schema.json\n",
    exit_status!("printed")
);

pub const PLAN: &str = "\
Examples:
  fabctl plan
  fabctl plan --detailed-exitcode --junit fabctl-plan.xml
  fabctl plan --target plant-a/press-1 --out plan.json
  fabctl -o json plan

Exit status:
  0  every register was read (with --detailed-exitcode: and nothing differs)
  1  an error: invalid manifests, an unreachable PLC, an unreadable register, a usage
     error
  2  with --detailed-exitcode: something differs (to change or drifted)
";

pub const APPLY: &str = "\
Examples:
  fabctl apply
  fabctl apply --auto-approve --max-changes 10
  fabctl apply plan.json

Exit status:
  0  every change was written and verified, or there was nothing to change
  1  anything else: a failed, refused, stale or unverified write, a PLC that could not
     be planned, the audit log failing, an answer other than `yes` or Ctrl-C at the
     prompt (\"Apply cancelled.\"), no terminal without --auto-approve, a usage error
";

pub const SHOW: &str = concat!(
    "Examples:\n  fabctl show plan.json\n  fabctl -o json show plan.json\n",
    exit_status!("the plan file was read and shown")
);

pub const RECONCILE: &str = "\
Examples:
  fabctl reconcile --once --audit-log -
  fabctl reconcile --schedule '*/5 * * * *' --metrics-addr 127.0.0.1:9090

Exit status:
  0  --once: as apply, every correction written and verified; --schedule: stopped by
     SIGTERM or Ctrl-C after the running tick
  1  --once: as apply, anything else; --schedule: could not start; a usage error
";

pub const AGENT: &str = concat!(
    "Examples:\n  fabctl agent\n  fabctl agent -n plant-a -l shard=a --metrics-addr 127.0.0.1:9090\n",
    exit_status!("stopped by SIGTERM or Ctrl-C")
);

pub const DEMO: &str = concat!(
    "Examples:\n  fabctl demo\n  fabctl demo --seed 3\n",
    exit_status!("the story ran to its end")
);

pub const SIM: &str = concat!(
    "Examples:\n  fabctl sim --from manifests/\n  fabctl sim --from manifests/ --chaos --chaos-interval 10s\n  fabctl sim --config sim/gateway.yaml\n",
    exit_status!("stopped by SIGTERM or Ctrl-C")
);

pub const VERSION: &str = concat!("Examples:\n  fabctl version\n", exit_status!("printed"));

pub const COMPLETIONS: &str = concat!(
    "Examples:\n  fabctl completions bash > ~/.local/share/bash-completion/completions/fabctl\n  fabctl completions zsh > ~/.zfunc/_fabctl\n",
    exit_status!("printed")
);

pub const IMPORT: &str = concat!(
    "Examples:\n  fabctl import --device 10.0.0.5:502 --holding 4000-4099 --coils 10 --out press.yaml\n",
    exit_status!("the manifest was written")
);

pub const GET: &str = concat!(
    "Examples:\n  fabctl get\n  fabctl get -A -l line=assembly-1\n  fabctl get -o yaml\n",
    exit_status!("listed (also when nothing is found)")
);

pub const DESCRIBE: &str = concat!(
    "Examples:\n  fabctl describe press-1 -n plant-a\n",
    exit_status!("shown")
);

pub const WATCH: &str = concat!(
    "Examples:\n  fabctl watch -n plant-a --interval 5\n",
    exit_status!("stopped by Ctrl-C")
);

pub const SYNC: &str = concat!(
    "Examples:\n  fabctl sync press-1 -n plant-a\n",
    exit_status!("requested (also when a request is already pending)")
);
