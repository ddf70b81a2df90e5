
use builtin;
use str;

set edit:completion:arg-completer[fabctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'fabctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'fabctl'= {
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand validate 'Check manifests offline (exit 0 valid, 1 invalid)'
            cand crd 'Print the IndustrialPLC CustomResourceDefinition (YAML)'
            cand schema 'Print the JSON Schema of an IndustrialPLC manifest document'
            cand plan 'Read live registers and show what differs from the manifests'
            cand apply 'Plan, ask for approval, write the corrections and verify each by reading it back'
            cand show 'Render a saved plan file'
            cand reconcile 'Enforce the manifests once (--once, for CronJobs) or on a cron schedule'
            cand agent 'Kubernetes controller: watch IndustrialPLC resources, enforce them, write .status'
            cand demo 'Run the whole story on an in-process simulated plant, no setup needed'
            cand sim 'Serve simulated PLCs over Modbus TCP'
            cand version 'Print version information'
            cand completions 'Print a shell completion script: bash, zsh, fish, powershell or elvish'
            cand import 'Read a running PLC and write a manifest with its live values as desired values'
            cand get 'List IndustrialPLC resources in the cluster with their status'
            cand get-status 'List IndustrialPLC resources in the cluster with their status'
            cand list 'List IndustrialPLC resources in the cluster with their status'
            cand describe 'Show one IndustrialPLC in the cluster: spec, status, registers, conditions'
            cand watch 'Refresh the `get` table until Ctrl-C'
            cand sync 'Ask the agent to reconcile an IndustrialPLC now (annotates the resource)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'fabctl;validate'= {
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;crd'= {
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;schema'= {
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;plan'= {
            cand --out 'Save the plan to FILE; `fabctl apply FILE` then writes exactly it, without a prompt'
            cand --junit 'Also write a JUnit XML report to FILE: a test suite per PLC, a test case per register'
            cand --target 'Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable'
            cand --parallelism 'Endpoints (host:port) talked to at once'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --detailed-exitcode 'Exit 0 when nothing differs, 2 when something differs, 1 on any error'
            cand --ignore-windows 'Plan changes even outside the PLCs'' writeWindows'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;apply'= {
            cand --max-changes 'Refuse to write anything if the plan would change more than N registers'
            cand --audit-log 'Append one JSON line per register write here ("-" for stderr) [default: $XDG_STATE_HOME/fabctl/audit.jsonl]'
            cand --target 'Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable'
            cand --parallelism 'Endpoints (host:port) talked to at once'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --auto-approve 'Write without asking (CronJobs, scripts)'
            cand --ignore-windows 'Write even outside the PLCs'' writeWindows (a person takes responsibility)'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;show'= {
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;reconcile'= {
            cand --schedule 'Cron schedule: 5 fields (minute hour dom month dow) or 6 with seconds first, UTC'
            cand --metrics-addr 'Serve /metrics and /healthz here (e.g. 127.0.0.1:9090; 0.0.0.0:9090 in a pod)'
            cand --audit-log 'Append one JSON line per register write here ("-" for stderr)'
            cand --target 'Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable'
            cand --parallelism 'Endpoints (host:port) talked to at once'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --once 'One tick, then exit with apply''s exit codes (what the CronJob runs)'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;agent'= {
            cand -n 'Watch only this namespace [default: every namespace]'
            cand --namespace 'Watch only this namespace [default: every namespace]'
            cand -l 'Only resources whose labels match, e.g. shard=a: run one agent per shard of a large fleet'
            cand --selector 'Only resources whose labels match, e.g. shard=a: run one agent per shard of a large fleet'
            cand --metrics-addr 'Serve /metrics and /healthz here (127.0.0.1:9090 to keep them local)'
            cand --audit-log 'Append one JSON line per register write here [default: "-", standard error]'
            cand --parallelism 'PLCs reconciled at once (PLCs behind one endpoint always take turns)'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -A 'Watch every namespace (the default; needs a ClusterRole)'
            cand --all-namespaces 'Watch every namespace (the default; needs a ClusterRole)'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;demo'= {
            cand --seed 'Seed of the simulated drift (same seed, same story)'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;sim'= {
            cand --from 'Manifest file or directory to simulate, one PLC per IndustrialPLC; repeatable [default: manifests/]'
            cand --config 'Scenario file (devices, unit ids, registers, faults), e.g. sim/gateway.yaml'
            cand --bind 'Address to bind manifest PLCs whose deviceAddress is not a loopback IP'
            cand --chaos-interval 'Time between chaos steps, e.g. 10s, 500ms, 2m'
            cand --max-drift 'Largest drift of a value per step, in engineering units'
            cand --seed 'Seed for chaos and faults (same seed, same sequence) [default: random, logged]'
            cand --latency 'Delay every reply by this many milliseconds'
            cand --drop-rate 'Probability of closing the connection instead of replying'
            cand --exception-rate 'Probability of replying ServerDeviceBusy or ServerDeviceFailure'
            cand --garbage-rate 'Probability of a malformed reply (wrong transaction id or random bytes)'
            cand --silent 'PLC that accepts connections and reads requests but never replies; repeatable'
            cand --metrics-addr 'Serve Prometheus metrics at http://ADDR/metrics (a bare port means 127.0.0.1:PORT)'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --drift 'Start every writable register off its desired value (one drift each)'
            cand --chaos 'Drift random writable registers every --chaos-interval'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;version'= {
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;completions'= {
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;import'= {
            cand --device 'The device: HOST:PORT'
            cand --unit 'Modbus unit id'
            cand --holding 'Holding register ranges, e.g. 4000-4099,4200 (zero-based protocol addresses)'
            cand --input 'Input register ranges (imported as observe-only assertions)'
            cand --coils 'Coil ranges'
            cand --discrete 'Discrete input ranges (imported as observe-only assertions)'
            cand --type 'Type of the holding and input registers (multi-word types take consecutive registers)'
            cand --word-order 'Word order of multi-word types: big or little'
            cand --name 'metadata.name of the manifest [default: derived from the device]'
            cand --namespace 'metadata.namespace of the manifest'
            cand --timeout-ms 'Request timeout in milliseconds'
            cand --out 'Write the manifest here instead of stdout'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;get'= {
            cand -n 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --namespace 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --request-timeout 'Give up on a Kubernetes API request after SECS seconds'
            cand -l 'Only resources whose labels match, e.g. line=assembly-1,environment!=test'
            cand --selector 'Only resources whose labels match, e.g. line=assembly-1,environment!=test'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -A 'Every namespace (adds a NAMESPACE column)'
            cand --all-namespaces 'Every namespace (adds a NAMESPACE column)'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;get-status'= {
            cand -n 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --namespace 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --request-timeout 'Give up on a Kubernetes API request after SECS seconds'
            cand -l 'Only resources whose labels match, e.g. line=assembly-1,environment!=test'
            cand --selector 'Only resources whose labels match, e.g. line=assembly-1,environment!=test'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -A 'Every namespace (adds a NAMESPACE column)'
            cand --all-namespaces 'Every namespace (adds a NAMESPACE column)'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;list'= {
            cand -n 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --namespace 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --request-timeout 'Give up on a Kubernetes API request after SECS seconds'
            cand -l 'Only resources whose labels match, e.g. line=assembly-1,environment!=test'
            cand --selector 'Only resources whose labels match, e.g. line=assembly-1,environment!=test'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -A 'Every namespace (adds a NAMESPACE column)'
            cand --all-namespaces 'Every namespace (adds a NAMESPACE column)'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;describe'= {
            cand -n 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --namespace 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --request-timeout 'Give up on a Kubernetes API request after SECS seconds'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;watch'= {
            cand -n 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --namespace 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --request-timeout 'Give up on a Kubernetes API request after SECS seconds'
            cand -l 'Only resources whose labels match, e.g. line=assembly-1,environment!=test'
            cand --selector 'Only resources whose labels match, e.g. line=assembly-1,environment!=test'
            cand --interval 'Seconds between refreshes'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand -A 'Every namespace (adds a NAMESPACE column)'
            cand --all-namespaces 'Every namespace (adds a NAMESPACE column)'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;sync'= {
            cand -n 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --namespace 'Namespace [default: the kubeconfig context''s, or the pod''s]'
            cand --request-timeout 'Give up on a Kubernetes API request after SECS seconds'
            cand -f 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --filename 'Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]'
            cand --color 'When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb'
            cand -o 'Output format of results on stdout'
            cand --output 'Output format of results on stdout'
            cand --force 'Request again even if a request the agent has not handled yet is pending'
            cand -v 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand --verbose 'More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries'' lines)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'fabctl;help'= {
            cand validate 'Check manifests offline (exit 0 valid, 1 invalid)'
            cand crd 'Print the IndustrialPLC CustomResourceDefinition (YAML)'
            cand schema 'Print the JSON Schema of an IndustrialPLC manifest document'
            cand plan 'Read live registers and show what differs from the manifests'
            cand apply 'Plan, ask for approval, write the corrections and verify each by reading it back'
            cand show 'Render a saved plan file'
            cand reconcile 'Enforce the manifests once (--once, for CronJobs) or on a cron schedule'
            cand agent 'Kubernetes controller: watch IndustrialPLC resources, enforce them, write .status'
            cand demo 'Run the whole story on an in-process simulated plant, no setup needed'
            cand sim 'Serve simulated PLCs over Modbus TCP'
            cand version 'Print version information'
            cand completions 'Print a shell completion script: bash, zsh, fish, powershell or elvish'
            cand import 'Read a running PLC and write a manifest with its live values as desired values'
            cand get 'List IndustrialPLC resources in the cluster with their status'
            cand describe 'Show one IndustrialPLC in the cluster: spec, status, registers, conditions'
            cand watch 'Refresh the `get` table until Ctrl-C'
            cand sync 'Ask the agent to reconcile an IndustrialPLC now (annotates the resource)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'fabctl;help;validate'= {
        }
        &'fabctl;help;crd'= {
        }
        &'fabctl;help;schema'= {
        }
        &'fabctl;help;plan'= {
        }
        &'fabctl;help;apply'= {
        }
        &'fabctl;help;show'= {
        }
        &'fabctl;help;reconcile'= {
        }
        &'fabctl;help;agent'= {
        }
        &'fabctl;help;demo'= {
        }
        &'fabctl;help;sim'= {
        }
        &'fabctl;help;version'= {
        }
        &'fabctl;help;completions'= {
        }
        &'fabctl;help;import'= {
        }
        &'fabctl;help;get'= {
        }
        &'fabctl;help;describe'= {
        }
        &'fabctl;help;watch'= {
        }
        &'fabctl;help;sync'= {
        }
        &'fabctl;help;help'= {
        }
    ]
    $completions[$command]
}
