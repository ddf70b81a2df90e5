
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'fabctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'fabctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'fabctl' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check manifests offline (exit 0 valid, 1 invalid)')
            [CompletionResult]::new('crd', 'crd', [CompletionResultType]::ParameterValue, 'Print the IndustrialPLC and PLCModel CustomResourceDefinitions (YAML)')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of an IndustrialPLC (or PLCModel) manifest document')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Read live registers and show what differs from the manifests')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Plan, ask for approval, write the corrections and verify each by reading it back')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a saved plan file')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make an Ed25519 key pair for signing plans: KEY (secret, 0600) and KEY.pub')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Show a saved plan and sign it: one more approval for `apply --verify-key`')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Who changed what, from the audit log: its runs, or one PLC''s or register''s changes')
            [CompletionResult]::new('reconcile', 'reconcile', [CompletionResultType]::ParameterValue, 'Enforce the manifests once (--once, for CronJobs) or on a cron schedule')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Kubernetes controller: watch IndustrialPLC resources, enforce them, write .status')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole story on an in-process simulated plant, no setup needed')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Serve simulated PLCs over Modbus TCP')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print version information')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script: bash, zsh, fish, powershell or elvish')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Read a running PLC and write a manifest with its live values as desired values')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'List IndustrialPLC resources in the cluster with their status')
            [CompletionResult]::new('get-status', 'get-status', [CompletionResultType]::ParameterValue, 'List IndustrialPLC resources in the cluster with their status')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List IndustrialPLC resources in the cluster with their status')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show one IndustrialPLC in the cluster: spec, status, registers, conditions')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Refresh the `get` table until Ctrl-C')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Ask the agent to reconcile an IndustrialPLC now (annotates the resource)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'fabctl;validate' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;crd' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;schema' {
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'The kind whose documents the schema describes')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;plan' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Save the plan to FILE; `fabctl apply FILE` then writes exactly it, without a prompt')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report to FILE: a test suite per PLC, a test case per register')
            [CompletionResult]::new('--sign-key', '--sign-key', [CompletionResultType]::ParameterName, 'Sign the saved plan (--out) with this secret key (see `fabctl keygen`)')
            [CompletionResult]::new('--revert', '--revert', [CompletionResultType]::ParameterName, 'Plan putting back what run RUN_ID of the audit log changed (see `fabctl history`)')
            [CompletionResult]::new('--audit-log', '--audit-log', [CompletionResultType]::ParameterName, 'The audit log --revert reads [default: $XDG_STATE_HOME/fabctl/audit.jsonl]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Endpoints (host:port) talked to at once')
            [CompletionResult]::new('--lock-dir', '--lock-dir', [CompletionResultType]::ParameterName, 'Directory of the per-device write locks, yours only (created 0700) [default: $XDG_RUNTIME_DIR/fabctl, else $TMPDIR/fabctl-<uid>]')
            [CompletionResult]::new('--allow-devices', '--allow-devices', [CompletionResultType]::ParameterName, 'Connect only to devices in these networks, e.g. 10.0.0.0/16,192.168.7.0/24; a PLC outside is a device error [default: any]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--detailed-exitcode', '--detailed-exitcode', [CompletionResultType]::ParameterName, 'Exit 0 when nothing differs, 2 when something differs, 1 on any error')
            [CompletionResult]::new('--ignore-windows', '--ignore-windows', [CompletionResultType]::ParameterName, 'Plan changes even outside the PLCs'' writeWindows')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;apply' {
            [CompletionResult]::new('--max-changes', '--max-changes', [CompletionResultType]::ParameterName, 'Refuse to write anything if the plan would change more than N registers')
            [CompletionResult]::new('--verify-key', '--verify-key', [CompletionResultType]::ParameterName, 'Trusted public key (KEY.pub); repeatable, or comma-separated in the variable. A saved plan must then carry signatures of --require-approvals distinct trusted keys')
            [CompletionResult]::new('--require-approvals', '--require-approvals', [CompletionResultType]::ParameterName, 'How many distinct trusted keys must have signed the saved plan [default: 1]')
            [CompletionResult]::new('--audit-log', '--audit-log', [CompletionResultType]::ParameterName, 'Append one JSON line per register write here ("-" for stderr) [default: $XDG_STATE_HOME/fabctl/audit.jsonl]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Endpoints (host:port) talked to at once')
            [CompletionResult]::new('--lock-dir', '--lock-dir', [CompletionResultType]::ParameterName, 'Directory of the per-device write locks, yours only (created 0700) [default: $XDG_RUNTIME_DIR/fabctl, else $TMPDIR/fabctl-<uid>]')
            [CompletionResult]::new('--allow-devices', '--allow-devices', [CompletionResultType]::ParameterName, 'Connect only to devices in these networks, e.g. 10.0.0.0/16,192.168.7.0/24; a PLC outside is a device error [default: any]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--auto-approve', '--auto-approve', [CompletionResultType]::ParameterName, 'Write without asking (CronJobs, scripts)')
            [CompletionResult]::new('--ignore-windows', '--ignore-windows', [CompletionResultType]::ParameterName, 'Write even outside the PLCs'' writeWindows (a person takes responsibility)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;show' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;keygen' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;approve' {
            [CompletionResult]::new('--sign-key', '--sign-key', [CompletionResultType]::ParameterName, 'The approver''s secret key (see `fabctl keygen`)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;history' {
            [CompletionResult]::new('--audit-log', '--audit-log', [CompletionResultType]::ParameterName, 'The audit log to read [default: $XDG_STATE_HOME/fabctl/audit.jsonl]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;reconcile' {
            [CompletionResult]::new('--schedule', '--schedule', [CompletionResultType]::ParameterName, 'Cron schedule: 5 fields (minute hour dom month dow) or 6 with seconds first, UTC')
            [CompletionResult]::new('--metrics-addr', '--metrics-addr', [CompletionResultType]::ParameterName, 'Serve /metrics and /healthz here (e.g. 127.0.0.1:9090; 0.0.0.0:9090 in a pod)')
            [CompletionResult]::new('--audit-log', '--audit-log', [CompletionResultType]::ParameterName, 'Append one JSON line per register write here ("-" for stderr)')
            [CompletionResult]::new('--conflict-after', '--conflict-after', [CompletionResultType]::ParameterName, 'Stop writing a register corrected in N consecutive ticks: another writer owns it (0: never stop; --schedule only)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Endpoints (host:port) talked to at once')
            [CompletionResult]::new('--lock-dir', '--lock-dir', [CompletionResultType]::ParameterName, 'Directory of the per-device write locks, yours only (created 0700) [default: $XDG_RUNTIME_DIR/fabctl, else $TMPDIR/fabctl-<uid>]')
            [CompletionResult]::new('--allow-devices', '--allow-devices', [CompletionResultType]::ParameterName, 'Connect only to devices in these networks, e.g. 10.0.0.0/16,192.168.7.0/24; a PLC outside is a device error [default: any]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'One tick, then exit with apply''s exit codes (what the CronJob runs)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;agent' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Watch only this namespace [default: every namespace]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Watch only this namespace [default: every namespace]')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. shard=a: run one agent per shard of a large fleet')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. shard=a: run one agent per shard of a large fleet')
            [CompletionResult]::new('--metrics-addr', '--metrics-addr', [CompletionResultType]::ParameterName, 'Serve /metrics and /healthz here (127.0.0.1:9090 to keep them local)')
            [CompletionResult]::new('--audit-log', '--audit-log', [CompletionResultType]::ParameterName, 'Append one JSON line per register write here [default: "-", standard error]')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'PLCs reconciled at once (PLCs behind one endpoint always take turns)')
            [CompletionResult]::new('--conflict-after', '--conflict-after', [CompletionResultType]::ParameterName, 'Stop writing a register corrected in N consecutive reconciles: another writer owns it (0: never stop)')
            [CompletionResult]::new('--status-heartbeat', '--status-heartbeat', [CompletionResultType]::ParameterName, 'Write an unchanged .status again after this long (a changed one is written at once; 0: every poll)')
            [CompletionResult]::new('--lease-name', '--lease-name', [CompletionResultType]::ParameterName, 'Name of the Lease [default: fabctl-agent, plus the namespace and selector watched]')
            [CompletionResult]::new('--lease-namespace', '--lease-namespace', [CompletionResultType]::ParameterName, 'Namespace of the Lease [default: the agent''s own]')
            [CompletionResult]::new('--lease-duration', '--lease-duration', [CompletionResultType]::ParameterName, 'How long a standby waits for a leader that stopped renewing; the leader stops writing after two thirds of it')
            [CompletionResult]::new('--lock-dir', '--lock-dir', [CompletionResultType]::ParameterName, 'Directory of the per-device write locks, yours only (created 0700) [default: $XDG_RUNTIME_DIR/fabctl, else $TMPDIR/fabctl-<uid>]')
            [CompletionResult]::new('--allow-devices', '--allow-devices', [CompletionResultType]::ParameterName, 'Connect only to devices in these networks, e.g. 10.0.0.0/16,192.168.7.0/24; a PLC outside is a device error [default: any]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Watch every namespace (the default; needs a ClusterRole)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Watch every namespace (the default; needs a ClusterRole)')
            [CompletionResult]::new('--leader-elect', '--leader-elect', [CompletionResultType]::ParameterName, 'Run several replicas: only the holder of a Lease writes to devices and status, the others stand by')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;demo' {
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the simulated drift (same seed, same story)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;sim' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Manifest file or directory to simulate, one PLC per IndustrialPLC; repeatable [default: manifests/]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Scenario file (devices, unit ids, registers, faults), e.g. sim/gateway.yaml')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to bind manifest PLCs whose deviceAddress is not a loopback IP')
            [CompletionResult]::new('--chaos-interval', '--chaos-interval', [CompletionResultType]::ParameterName, 'Time between chaos steps, e.g. 10s, 500ms, 2m')
            [CompletionResult]::new('--max-drift', '--max-drift', [CompletionResultType]::ParameterName, 'Largest drift of a value per step, in engineering units')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for chaos and faults (same seed, same sequence) [default: random, logged]')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Delay every reply by this many milliseconds')
            [CompletionResult]::new('--drop-rate', '--drop-rate', [CompletionResultType]::ParameterName, 'Probability of closing the connection instead of replying')
            [CompletionResult]::new('--exception-rate', '--exception-rate', [CompletionResultType]::ParameterName, 'Probability of replying ServerDeviceBusy or ServerDeviceFailure')
            [CompletionResult]::new('--garbage-rate', '--garbage-rate', [CompletionResultType]::ParameterName, 'Probability of a malformed reply (wrong transaction id or random bytes)')
            [CompletionResult]::new('--write-latency', '--write-latency', [CompletionResultType]::ParameterName, 'Perform every write at once but reply this many milliseconds late')
            [CompletionResult]::new('--write-echo-offset', '--write-echo-offset', [CompletionResultType]::ParameterName, 'Answer every write for the address N higher than the one written (a wrong echo)')
            [CompletionResult]::new('--acknowledge-writes', '--acknowledge-writes', [CompletionResultType]::ParameterName, 'Answer every write Acknowledge (0x05) and perform it this many milliseconds later')
            [CompletionResult]::new('--busy-every', '--busy-every', [CompletionResultType]::ParameterName, 'Answer every Nth read and every Nth write (counted apart) ServerDeviceBusy')
            [CompletionResult]::new('--answer-unit', '--answer-unit', [CompletionResultType]::ParameterName, 'Answer with this unit id in every reply, whatever the request asked')
            [CompletionResult]::new('--unsupported', '--unsupported', [CompletionResultType]::ParameterName, 'Function code every device answers IllegalFunction (e.g. 16); repeatable')
            [CompletionResult]::new('--max-read-registers', '--max-read-registers', [CompletionResultType]::ParameterName, 'Answer reads of more than N registers (FC03/FC04) with IllegalDataValue, on every device (overrides a scenario''s `limits`)')
            [CompletionResult]::new('--max-write-registers', '--max-write-registers', [CompletionResultType]::ParameterName, 'Answer FC16 writes of more than N registers with IllegalDataValue, on every device')
            [CompletionResult]::new('--max-read-bits', '--max-read-bits', [CompletionResultType]::ParameterName, 'Answer reads of more than N bits (FC01/FC02) with IllegalDataValue, on every device')
            [CompletionResult]::new('--max-write-bits', '--max-write-bits', [CompletionResultType]::ParameterName, 'Answer FC15 writes of more than N coils with IllegalDataValue, on every device')
            [CompletionResult]::new('--undeclared-read', '--undeclared-read', [CompletionResultType]::ParameterName, 'How every device answers a read touching an undeclared address [default: illegal-data-address]')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'PLC that accepts connections and reads requests but never replies; repeatable')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'How every endpoint is served: tcp (Modbus TCP), rtu-over-tcp (RTU frames over TCP, like a serial gateway in transparent mode), tls (Modbus/TCP Security, client certificates required) or rtu (Modbus RTU on a pseudo-terminal per endpoint, whose path is printed)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'With --transport tls: the server''s certificate (PEM) [default: generated]')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'With --transport tls: the private key of --tls-cert (PEM)')
            [CompletionResult]::new('--tls-client-ca', '--tls-client-ca', [CompletionResultType]::ParameterName, 'With --transport tls: the CA that client certificates must be issued by (PEM)')
            [CompletionResult]::new('--tls-dir', '--tls-dir', [CompletionResultType]::ParameterName, 'With --transport tls and no --tls-cert: where to write the generated test certificates (ca.pem, server.pem, server.key, client.pem, client.key) [default: a new directory in the temporary directory]')
            [CompletionResult]::new('--metrics-addr', '--metrics-addr', [CompletionResultType]::ParameterName, 'Serve Prometheus metrics at http://ADDR/metrics (a bare port means 127.0.0.1:PORT)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--drift', '--drift', [CompletionResultType]::ParameterName, 'Start every writable register off its desired value (one drift each)')
            [CompletionResult]::new('--chaos', '--chaos', [CompletionResultType]::ParameterName, 'Drift random writable registers every --chaos-interval')
            [CompletionResult]::new('--close-after-reply', '--close-after-reply', [CompletionResultType]::ParameterName, 'Close the connection after each reply')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;version' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;completions' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;import' {
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'The device: HOST:PORT, or HOST for the transport''s default port (502, tls 802); for tcp, rtu-over-tcp and tls')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'How the device is reached: tcp (Modbus TCP), rtu-over-tcp (a serial gateway in transparent mode), tls (Modbus/TCP Security) or rtu (a serial line, --serial-device)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'With --transport tls: the CA certificate(s) the device''s certificate must chain to (PEM)')
            [CompletionResult]::new('--cert-file', '--cert-file', [CompletionResultType]::ParameterName, 'With --transport tls: fabctl''s client certificate (PEM)')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'With --transport tls: the private key of --cert-file (PEM)')
            [CompletionResult]::new('--server-name', '--server-name', [CompletionResultType]::ParameterName, 'With --transport tls: the name the device''s certificate must carry [default: HOST]')
            [CompletionResult]::new('--serial-device', '--serial-device', [CompletionResultType]::ParameterName, 'The serial line of --transport rtu, e.g. /dev/ttyUSB0')
            [CompletionResult]::new('--baud-rate', '--baud-rate', [CompletionResultType]::ParameterName, 'Baud rate of the serial line')
            [CompletionResult]::new('--parity', '--parity', [CompletionResultType]::ParameterName, 'Parity of the serial line: none, even or odd')
            [CompletionResult]::new('--data-bits', '--data-bits', [CompletionResultType]::ParameterName, 'Data bits of the serial line: 7 or 8')
            [CompletionResult]::new('--stop-bits', '--stop-bits', [CompletionResultType]::ParameterName, 'Stop bits of the serial line: 1 or 2')
            [CompletionResult]::new('--unit', '--unit', [CompletionResultType]::ParameterName, 'Modbus unit id')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Import a PLC of this PLCModel (from the manifests, in --namespace): the model''s registers are read and the PLC gets a value for each')
            [CompletionResult]::new('--holding', '--holding', [CompletionResultType]::ParameterName, 'Holding register ranges, e.g. 4000-4099,4200 (zero-based protocol addresses)')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Input register ranges (imported as observe-only assertions)')
            [CompletionResult]::new('--coils', '--coils', [CompletionResultType]::ParameterName, 'Coil ranges')
            [CompletionResult]::new('--discrete', '--discrete', [CompletionResultType]::ParameterName, 'Discrete input ranges (imported as observe-only assertions)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Type of the holding and input registers (multi-word types take consecutive registers)')
            [CompletionResult]::new('--length', '--length', [CompletionResultType]::ParameterName, 'With --type string: the registers each string occupies (two characters each)')
            [CompletionResult]::new('--word-order', '--word-order', [CompletionResultType]::ParameterName, 'Word order of multi-word types: big or little')
            [CompletionResult]::new('--order', '--order', [CompletionResultType]::ParameterName, 'Byte and word order as device manuals name it: ABCD (default), CDAB (words swapped), BADC (bytes swapped), DCBA (both)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'metadata.name of the manifest [default: derived from the device]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'metadata.namespace of the manifest')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Request timeout in milliseconds')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the manifest here instead of stdout')
            [CompletionResult]::new('--max-read-registers', '--max-read-registers', [CompletionResultType]::ParameterName, 'Read at most N registers per request (the device''s limit) [default: 125, halved while the device answers IllegalDataValue]')
            [CompletionResult]::new('--max-read-bits', '--max-read-bits', [CompletionResultType]::ParameterName, 'Read at most N coils or discrete inputs per request [default: 2000, halved likewise]')
            [CompletionResult]::new('--max-gap', '--max-gap', [CompletionResultType]::ParameterName, 'Undeclared registers one read may span; 0 reads only the ranges given [default: 8]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--enforce', '--enforce', [CompletionResultType]::ParameterName, 'Import writable registers as `mode: enforce` [default: every register is `mode: observe`]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;get' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Give up on a Kubernetes API request after SECS seconds')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. line=assembly-1,environment!=test')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. line=assembly-1,environment!=test')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace (adds a NAMESPACE column)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace (adds a NAMESPACE column)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;get-status' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Give up on a Kubernetes API request after SECS seconds')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. line=assembly-1,environment!=test')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. line=assembly-1,environment!=test')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace (adds a NAMESPACE column)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace (adds a NAMESPACE column)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;list' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Give up on a Kubernetes API request after SECS seconds')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. line=assembly-1,environment!=test')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. line=assembly-1,environment!=test')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace (adds a NAMESPACE column)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace (adds a NAMESPACE column)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;describe' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Give up on a Kubernetes API request after SECS seconds')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;watch' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Give up on a Kubernetes API request after SECS seconds')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. line=assembly-1,environment!=test')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Only resources whose labels match, e.g. line=assembly-1,environment!=test')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between refreshes')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace (adds a NAMESPACE column)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace (adds a NAMESPACE column)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;sync' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace [default: the kubeconfig context''s, or the pod''s]')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Give up on a Kubernetes API request after SECS seconds')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of results on stdout')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Request again even if a request the agent has not handled yet is pending')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'fabctl;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check manifests offline (exit 0 valid, 1 invalid)')
            [CompletionResult]::new('crd', 'crd', [CompletionResultType]::ParameterValue, 'Print the IndustrialPLC and PLCModel CustomResourceDefinitions (YAML)')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of an IndustrialPLC (or PLCModel) manifest document')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Read live registers and show what differs from the manifests')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Plan, ask for approval, write the corrections and verify each by reading it back')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a saved plan file')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make an Ed25519 key pair for signing plans: KEY (secret, 0600) and KEY.pub')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Show a saved plan and sign it: one more approval for `apply --verify-key`')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Who changed what, from the audit log: its runs, or one PLC''s or register''s changes')
            [CompletionResult]::new('reconcile', 'reconcile', [CompletionResultType]::ParameterValue, 'Enforce the manifests once (--once, for CronJobs) or on a cron schedule')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Kubernetes controller: watch IndustrialPLC resources, enforce them, write .status')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole story on an in-process simulated plant, no setup needed')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Serve simulated PLCs over Modbus TCP')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print version information')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script: bash, zsh, fish, powershell or elvish')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Read a running PLC and write a manifest with its live values as desired values')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'List IndustrialPLC resources in the cluster with their status')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show one IndustrialPLC in the cluster: spec, status, registers, conditions')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Refresh the `get` table until Ctrl-C')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Ask the agent to reconcile an IndustrialPLC now (annotates the resource)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'fabctl;help;validate' {
            break
        }
        'fabctl;help;crd' {
            break
        }
        'fabctl;help;schema' {
            break
        }
        'fabctl;help;plan' {
            break
        }
        'fabctl;help;apply' {
            break
        }
        'fabctl;help;show' {
            break
        }
        'fabctl;help;keygen' {
            break
        }
        'fabctl;help;approve' {
            break
        }
        'fabctl;help;history' {
            break
        }
        'fabctl;help;reconcile' {
            break
        }
        'fabctl;help;agent' {
            break
        }
        'fabctl;help;demo' {
            break
        }
        'fabctl;help;sim' {
            break
        }
        'fabctl;help;version' {
            break
        }
        'fabctl;help;completions' {
            break
        }
        'fabctl;help;import' {
            break
        }
        'fabctl;help;get' {
            break
        }
        'fabctl;help;describe' {
            break
        }
        'fabctl;help;watch' {
            break
        }
        'fabctl;help;sync' {
            break
        }
        'fabctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
