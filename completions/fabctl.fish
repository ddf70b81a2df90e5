# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_fabctl_global_optspecs
    string join \n f/filename= color= o/output= v/verbose q/quiet h/help V/version
end

function __fish_fabctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_fabctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_fabctl_using_subcommand
    set -l cmd (__fish_fabctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c fabctl -n "__fish_fabctl_needs_command" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_needs_command" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_needs_command" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_needs_command" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_needs_command" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "validate" -d 'Check manifests offline (exit 0 valid, 1 invalid)'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "crd" -d 'Print the IndustrialPLC and PLCModel CustomResourceDefinitions (YAML)'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "schema" -d 'Print the JSON Schema of an IndustrialPLC (or PLCModel) manifest document'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "plan" -d 'Read live registers and show what differs from the manifests'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "apply" -d 'Plan, ask for approval, write the corrections and verify each by reading it back'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "show" -d 'Render a saved plan file'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "keygen" -d 'Make an Ed25519 key pair for signing plans: KEY (secret, 0600) and KEY.pub'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "approve" -d 'Show a saved plan and sign it: one more approval for `apply --verify-key`'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "history" -d 'Who changed what, from the audit log: its runs, or one PLC\'s or register\'s changes'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "reconcile" -d 'Enforce the manifests once (--once, for CronJobs) or on a cron schedule'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "agent" -d 'Kubernetes controller: watch IndustrialPLC resources, enforce them, write .status'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "demo" -d 'Run the whole story on an in-process simulated plant, no setup needed'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "sim" -d 'Serve simulated PLCs over Modbus TCP'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "version" -d 'Print version information'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "completions" -d 'Print a shell completion script: bash, zsh, fish, powershell or elvish'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "import" -d 'Read a running PLC and write a manifest with its live values as desired values'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "get" -d 'List IndustrialPLC resources in the cluster with their status'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "get-status" -d 'List IndustrialPLC resources in the cluster with their status'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "list" -d 'List IndustrialPLC resources in the cluster with their status'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "describe" -d 'Show one IndustrialPLC in the cluster: spec, status, registers, conditions'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "watch" -d 'Refresh the `get` table until Ctrl-C'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "sync" -d 'Ask the agent to reconcile an IndustrialPLC now (annotates the resource)'
complete -c fabctl -n "__fish_fabctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fabctl -n "__fish_fabctl_using_subcommand validate" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand validate" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand validate" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand validate" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand validate" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand validate" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand crd" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand crd" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand crd" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand crd" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand crd" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand crd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand crd" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand schema" -l kind -d 'The kind whose documents the schema describes' -r -f -a "industrialplc\t'A PLC (kind IndustrialPLC)'
plcmodel\t'A fleet template (kind PLCModel)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand schema" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand schema" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand schema" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand schema" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand schema" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand schema" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l out -d 'Save the plan to FILE; `fabctl apply FILE` then writes exactly it, without a prompt' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l junit -d 'Also write a JUnit XML report to FILE: a test suite per PLC, a test case per register' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l sign-key -d 'Sign the saved plan (--out) with this secret key (see `fabctl keygen`)' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l revert -d 'Plan putting back what run RUN_ID of the audit log changed (see `fabctl history`)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l audit-log -d 'The audit log --revert reads [default: $XDG_STATE_HOME/fabctl/audit.jsonl]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l target -d 'Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l parallelism -d 'Endpoints (host:port) talked to at once' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l lock-dir -d 'Directory of the per-device write locks, yours only (created 0700) [default: $XDG_RUNTIME_DIR/fabctl, else $TMPDIR/fabctl-<uid>]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l allow-devices -d 'Connect only to devices in these networks, e.g. 10.0.0.0/16,192.168.7.0/24; a PLC outside is a device error [default: any]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l detailed-exitcode -d 'Exit 0 when nothing differs, 2 when something differs, 1 on any error'
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -l ignore-windows -d 'Plan changes even outside the PLCs\' writeWindows'
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand plan" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l max-changes -d 'Refuse to write anything if the plan would change more than N registers' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l verify-key -d 'Trusted public key (KEY.pub); repeatable, or comma-separated in the variable. A saved plan must then carry signatures of --require-approvals distinct trusted keys' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l require-approvals -d 'How many distinct trusted keys must have signed the saved plan [default: 1]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l audit-log -d 'Append one JSON line per register write here ("-" for stderr) [default: $XDG_STATE_HOME/fabctl/audit.jsonl]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l target -d 'Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l parallelism -d 'Endpoints (host:port) talked to at once' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l lock-dir -d 'Directory of the per-device write locks, yours only (created 0700) [default: $XDG_RUNTIME_DIR/fabctl, else $TMPDIR/fabctl-<uid>]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l allow-devices -d 'Connect only to devices in these networks, e.g. 10.0.0.0/16,192.168.7.0/24; a PLC outside is a device error [default: any]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l auto-approve -d 'Write without asking (CronJobs, scripts)'
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -l ignore-windows -d 'Write even outside the PLCs\' writeWindows (a person takes responsibility)'
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand apply" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand show" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand show" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand show" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand show" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand show" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand show" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand keygen" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand keygen" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand keygen" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand keygen" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand keygen" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand keygen" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand approve" -l sign-key -d 'The approver\'s secret key (see `fabctl keygen`)' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand approve" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand approve" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand approve" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand approve" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand approve" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand approve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand approve" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand history" -l audit-log -d 'The audit log to read [default: $XDG_STATE_HOME/fabctl/audit.jsonl]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand history" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand history" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand history" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand history" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand history" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand history" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l schedule -d 'Cron schedule: 5 fields (minute hour dom month dow) or 6 with seconds first, UTC' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l metrics-addr -d 'Serve /metrics and /healthz here (e.g. 127.0.0.1:9090; 0.0.0.0:9090 in a pod)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l audit-log -d 'Append one JSON line per register write here ("-" for stderr)' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l conflict-after -d 'Stop writing a register corrected in N consecutive ticks: another writer owns it (0: never stop; --schedule only)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l target -d 'Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l parallelism -d 'Endpoints (host:port) talked to at once' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l lock-dir -d 'Directory of the per-device write locks, yours only (created 0700) [default: $XDG_RUNTIME_DIR/fabctl, else $TMPDIR/fabctl-<uid>]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l allow-devices -d 'Connect only to devices in these networks, e.g. 10.0.0.0/16,192.168.7.0/24; a PLC outside is a device error [default: any]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -l once -d 'One tick, then exit with apply\'s exit codes (what the CronJob runs)'
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand reconcile" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -s n -l namespace -d 'Watch only this namespace [default: every namespace]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -s l -l selector -d 'Only resources whose labels match, e.g. shard=a: run one agent per shard of a large fleet' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l metrics-addr -d 'Serve /metrics and /healthz here (127.0.0.1:9090 to keep them local)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l audit-log -d 'Append one JSON line per register write here [default: "-", standard error]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l parallelism -d 'PLCs reconciled at once (PLCs behind one endpoint always take turns)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l conflict-after -d 'Stop writing a register corrected in N consecutive reconciles: another writer owns it (0: never stop)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l status-heartbeat -d 'Write an unchanged .status again after this long (a changed one is written at once; 0: every poll)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l lease-name -d 'Name of the Lease [default: fabctl-agent, plus the namespace and selector watched]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l lease-namespace -d 'Namespace of the Lease [default: the agent\'s own]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l lease-duration -d 'How long a standby waits for a leader that stopped renewing; the leader stops writing after two thirds of it' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l lock-dir -d 'Directory of the per-device write locks, yours only (created 0700) [default: $XDG_RUNTIME_DIR/fabctl, else $TMPDIR/fabctl-<uid>]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l allow-devices -d 'Connect only to devices in these networks, e.g. 10.0.0.0/16,192.168.7.0/24; a PLC outside is a device error [default: any]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -s A -l all-namespaces -d 'Watch every namespace (the default; needs a ClusterRole)'
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -l leader-elect -d 'Run several replicas: only the holder of a Lease writes to devices and status, the others stand by'
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand agent" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand demo" -l seed -d 'Seed of the simulated drift (same seed, same story)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand demo" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand demo" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand demo" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand demo" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand demo" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand demo" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l from -d 'Manifest file or directory to simulate, one PLC per IndustrialPLC; repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l config -d 'Scenario file (devices, unit ids, registers, faults), e.g. sim/gateway.yaml' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l bind -d 'Address to bind manifest PLCs whose deviceAddress is not a loopback IP' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l chaos-interval -d 'Time between chaos steps, e.g. 10s, 500ms, 2m' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l max-drift -d 'Largest drift of a value per step, in engineering units' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l seed -d 'Seed for chaos and faults (same seed, same sequence) [default: random, logged]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l latency -d 'Delay every reply by this many milliseconds' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l drop-rate -d 'Probability of closing the connection instead of replying' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l exception-rate -d 'Probability of replying ServerDeviceBusy or ServerDeviceFailure' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l garbage-rate -d 'Probability of a malformed reply (wrong transaction id or random bytes)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l write-latency -d 'Perform every write at once but reply this many milliseconds late' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l write-echo-offset -d 'Answer every write for the address N higher than the one written (a wrong echo)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l acknowledge-writes -d 'Answer every write Acknowledge (0x05) and perform it this many milliseconds later' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l busy-every -d 'Answer every Nth read and every Nth write (counted apart) ServerDeviceBusy' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l answer-unit -d 'Answer with this unit id in every reply, whatever the request asked' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l unsupported -d 'Function code every device answers IllegalFunction (e.g. 16); repeatable' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l max-read-registers -d 'Answer reads of more than N registers (FC03/FC04) with IllegalDataValue, on every device (overrides a scenario\'s `limits`)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l max-write-registers -d 'Answer FC16 writes of more than N registers with IllegalDataValue, on every device' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l max-read-bits -d 'Answer reads of more than N bits (FC01/FC02) with IllegalDataValue, on every device' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l max-write-bits -d 'Answer FC15 writes of more than N coils with IllegalDataValue, on every device' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l undeclared-read -d 'How every device answers a read touching an undeclared address [default: illegal-data-address]' -r -f -a "illegal-data-address\t'As the standard says (and pymodbus does)'
illegal-data-value\t'As some energy meters do'
server-device-failure\t'As some gateways do'"
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l silent -d 'PLC that accepts connections and reads requests but never replies; repeatable' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l transport -d 'How every endpoint is served: tcp (Modbus TCP), rtu-over-tcp (RTU frames over TCP, like a serial gateway in transparent mode), tls (Modbus/TCP Security, client certificates required) or rtu (Modbus RTU on a pseudo-terminal per endpoint, whose path is printed)' -r -f -a "tcp\t'Modbus TCP on each endpoint\'s address'
rtu-over-tcp\t'RTU frames over TCP on each endpoint\'s address, like a serial gateway in transparent mode'
tls\t'Modbus/TCP Security on each endpoint\'s address: Modbus TCP inside TLS, client certificates required (the certificates of `tls`)'
rtu\t'Modbus RTU on a pseudo-terminal per endpoint (a serial line), whose path is printed'"
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l tls-cert -d 'With --transport tls: the server\'s certificate (PEM) [default: generated]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l tls-key -d 'With --transport tls: the private key of --tls-cert (PEM)' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l tls-client-ca -d 'With --transport tls: the CA that client certificates must be issued by (PEM)' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l tls-dir -d 'With --transport tls and no --tls-cert: where to write the generated test certificates (ca.pem, server.pem, server.key, client.pem, client.key) [default: a new directory in the temporary directory]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l metrics-addr -d 'Serve Prometheus metrics at http://ADDR/metrics (a bare port means 127.0.0.1:PORT)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l drift -d 'Start every writable register off its desired value (one drift each)'
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l chaos -d 'Drift random writable registers every --chaos-interval'
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -l close-after-reply -d 'Close the connection after each reply'
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand sim" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand version" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand version" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand version" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand version" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand version" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand version" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand completions" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand completions" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand completions" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand completions" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l device -d 'The device: HOST:PORT, or HOST for the transport\'s default port (502, tls 802); for tcp, rtu-over-tcp and tls' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l transport -d 'How the device is reached: tcp (Modbus TCP), rtu-over-tcp (a serial gateway in transparent mode), tls (Modbus/TCP Security) or rtu (a serial line, --serial-device)' -r -f -a "tcp\t''
rtu-over-tcp\t''
tls\t''
rtu\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l ca-file -d 'With --transport tls: the CA certificate(s) the device\'s certificate must chain to (PEM)' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l cert-file -d 'With --transport tls: fabctl\'s client certificate (PEM)' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l key-file -d 'With --transport tls: the private key of --cert-file (PEM)' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l server-name -d 'With --transport tls: the name the device\'s certificate must carry [default: HOST]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l serial-device -d 'The serial line of --transport rtu, e.g. /dev/ttyUSB0' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l baud-rate -d 'Baud rate of the serial line' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l parity -d 'Parity of the serial line: none, even or odd' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l data-bits -d 'Data bits of the serial line: 7 or 8' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l stop-bits -d 'Stop bits of the serial line: 1 or 2' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l unit -d 'Modbus unit id' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l model -d 'Import a PLC of this PLCModel (from the manifests, in --namespace): the model\'s registers are read and the PLC gets a value for each' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l holding -d 'Holding register ranges, e.g. 4000-4099,4200 (zero-based protocol addresses)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l input -d 'Input register ranges (imported as observe-only assertions)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l coils -d 'Coil ranges' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l discrete -d 'Discrete input ranges (imported as observe-only assertions)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l type -d 'Type of the holding and input registers (multi-word types take consecutive registers)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l length -d 'With --type string: the registers each string occupies (two characters each)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l word-order -d 'Word order of multi-word types: big or little' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l order -d 'Byte and word order as device manuals name it: ABCD (default), CDAB (words swapped), BADC (bytes swapped), DCBA (both)' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l name -d 'metadata.name of the manifest [default: derived from the device]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l namespace -d 'metadata.namespace of the manifest' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l timeout-ms -d 'Request timeout in milliseconds' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l out -d 'Write the manifest here instead of stdout' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l max-read-registers -d 'Read at most N registers per request (the device\'s limit) [default: 125, halved while the device answers IllegalDataValue]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l max-read-bits -d 'Read at most N coils or discrete inputs per request [default: 2000, halved likewise]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l max-gap -d 'Undeclared registers one read may span; 0 reads only the ranges given [default: 8]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -l enforce -d 'Import writable registers as `mode: enforce` [default: every register is `mode: observe`]'
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand import" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -s n -l namespace -d 'Namespace [default: the kubeconfig context\'s, or the pod\'s]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -l request-timeout -d 'Give up on a Kubernetes API request after SECS seconds' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -s l -l selector -d 'Only resources whose labels match, e.g. line=assembly-1,environment!=test' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -s A -l all-namespaces -d 'Every namespace (adds a NAMESPACE column)'
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand get" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -s n -l namespace -d 'Namespace [default: the kubeconfig context\'s, or the pod\'s]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -l request-timeout -d 'Give up on a Kubernetes API request after SECS seconds' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -s l -l selector -d 'Only resources whose labels match, e.g. line=assembly-1,environment!=test' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -s A -l all-namespaces -d 'Every namespace (adds a NAMESPACE column)'
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand get-status" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -s n -l namespace -d 'Namespace [default: the kubeconfig context\'s, or the pod\'s]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -l request-timeout -d 'Give up on a Kubernetes API request after SECS seconds' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -s l -l selector -d 'Only resources whose labels match, e.g. line=assembly-1,environment!=test' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -s A -l all-namespaces -d 'Every namespace (adds a NAMESPACE column)'
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand list" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand describe" -s n -l namespace -d 'Namespace [default: the kubeconfig context\'s, or the pod\'s]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand describe" -l request-timeout -d 'Give up on a Kubernetes API request after SECS seconds' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand describe" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand describe" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand describe" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand describe" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand describe" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand describe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand describe" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -s n -l namespace -d 'Namespace [default: the kubeconfig context\'s, or the pod\'s]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -l request-timeout -d 'Give up on a Kubernetes API request after SECS seconds' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -s l -l selector -d 'Only resources whose labels match, e.g. line=assembly-1,environment!=test' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -l interval -d 'Seconds between refreshes' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -s A -l all-namespaces -d 'Every namespace (adds a NAMESPACE column)'
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand watch" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -s n -l namespace -d 'Namespace [default: the kubeconfig context\'s, or the pod\'s]' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -l request-timeout -d 'Give up on a Kubernetes API request after SECS seconds' -r
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -s f -l filename -d 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]' -r -F
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -l color -d 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb' -r -f -a "auto\t''
always\t''
never\t''"
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -s o -l output -d 'Output format of results on stdout' -r -f -a "human\t'Terraform-like text'
json\t'One JSON object per line: events with a "type"; get and describe: the resources'
yaml\t'YAML (get, describe and watch only)'"
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -l force -d 'Request again even if a request the agent has not handled yet is pending'
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -s v -l verbose -d 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries\' lines)'
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -s q -l quiet -d 'Only errors on stderr'
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fabctl -n "__fish_fabctl_using_subcommand sync" -s V -l version -d 'Print version'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "validate" -d 'Check manifests offline (exit 0 valid, 1 invalid)'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "crd" -d 'Print the IndustrialPLC and PLCModel CustomResourceDefinitions (YAML)'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "schema" -d 'Print the JSON Schema of an IndustrialPLC (or PLCModel) manifest document'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "plan" -d 'Read live registers and show what differs from the manifests'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "apply" -d 'Plan, ask for approval, write the corrections and verify each by reading it back'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "show" -d 'Render a saved plan file'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "keygen" -d 'Make an Ed25519 key pair for signing plans: KEY (secret, 0600) and KEY.pub'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "approve" -d 'Show a saved plan and sign it: one more approval for `apply --verify-key`'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "history" -d 'Who changed what, from the audit log: its runs, or one PLC\'s or register\'s changes'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "reconcile" -d 'Enforce the manifests once (--once, for CronJobs) or on a cron schedule'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "agent" -d 'Kubernetes controller: watch IndustrialPLC resources, enforce them, write .status'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "demo" -d 'Run the whole story on an in-process simulated plant, no setup needed'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "sim" -d 'Serve simulated PLCs over Modbus TCP'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "version" -d 'Print version information'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "completions" -d 'Print a shell completion script: bash, zsh, fish, powershell or elvish'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "import" -d 'Read a running PLC and write a manifest with its live values as desired values'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "get" -d 'List IndustrialPLC resources in the cluster with their status'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "describe" -d 'Show one IndustrialPLC in the cluster: spec, status, registers, conditions'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "watch" -d 'Refresh the `get` table until Ctrl-C'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "sync" -d 'Ask the agent to reconcile an IndustrialPLC now (annotates the resource)'
complete -c fabctl -n "__fish_fabctl_using_subcommand help; and not __fish_seen_subcommand_from validate crd schema plan apply show keygen approve history reconcile agent demo sim version completions import get describe watch sync help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
