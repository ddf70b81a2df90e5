//! `--target NAME[/REGISTER]`: narrowing a run to some PLCs or registers, as
//! Terraform's `-target`. NAME is a PLC name or `namespace/name`.

/// One `--target` value, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub namespace: Option<String>,
    pub plc: String,
    pub register: Option<String>,
}

/// A `--target` that does not parse or names nothing in the manifests.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error(
        "--target {text:?}: expected NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER"
    )]
    Syntax { text: String },
    #[error("--target {text:?}: empty name")]
    EmptyName { text: String },
    #[error(
        "--target {text:?}: no PLC named {plc}{}",
        suggestion.as_deref().map(|s| format!("; did you mean {s}?")).unwrap_or_default()
    )]
    UnknownPlc {
        text: String,
        plc: String,
        /// The closest PLC name, when one is close enough.
        suggestion: Option<String>,
    },
    #[error("--target {text:?}: PLC {plc} has no register named {register}")]
    UnknownRegister {
        text: String,
        plc: String,
        register: String,
    },
}

/// A PLC as targets see it: its namespace, name and register names.
pub trait Targetable {
    fn namespace(&self) -> &str;
    fn name(&self) -> &str;
    fn has_register(&self, name: &str) -> bool;
    /// Keeps only the named registers.
    fn retain_registers(&mut self, keep: &dyn Fn(&str) -> bool);
}

impl Target {
    /// Whether this target names the PLC (ignoring the register part).
    fn matches_plc<T: Targetable>(&self, plc: &T) -> bool {
        plc.name() == self.plc
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| ns == plc.namespace())
    }
}

/// Interprets `a`, `a/b` and `ns/a/b` against the PLCs: `a/b` is namespace/name when
/// such a PLC exists, otherwise PLC `a`, register `b`.
pub fn parse<T: Targetable>(text: &str, plcs: &[T]) -> Result<Target, TargetError> {
    let parts: Vec<&str> = text.split('/').collect();
    let target = match parts.as_slice() {
        [plc] => Target {
            namespace: None,
            plc: (*plc).to_owned(),
            register: None,
        },
        [a, b] if plcs.iter().any(|p| p.namespace() == *a && p.name() == *b) => Target {
            namespace: Some((*a).to_owned()),
            plc: (*b).to_owned(),
            register: None,
        },
        [plc, reg] => Target {
            namespace: None,
            plc: (*plc).to_owned(),
            register: Some((*reg).to_owned()),
        },
        [ns, plc, reg] => Target {
            namespace: Some((*ns).to_owned()),
            plc: (*plc).to_owned(),
            register: Some((*reg).to_owned()),
        },
        _ => {
            return Err(TargetError::Syntax {
                text: text.to_owned(),
            });
        }
    };
    if target.plc.is_empty() || target.register.as_deref() == Some("") {
        return Err(TargetError::EmptyName {
            text: text.to_owned(),
        });
    }
    let named: Vec<&T> = plcs.iter().filter(|p| target.matches_plc(*p)).collect();
    if named.is_empty() {
        let names: Vec<&str> = plcs.iter().map(|p| p.name()).collect();
        let suggestion =
            crate::manifest::diagnostic::did_you_mean(&target.plc, names).map(str::to_owned);
        return Err(TargetError::UnknownPlc {
            text: text.to_owned(),
            plc: target.plc,
            suggestion,
        });
    }
    if let Some(reg) = &target.register
        && !named.iter().any(|p| p.has_register(reg))
    {
        return Err(TargetError::UnknownRegister {
            text: text.to_owned(),
            plc: target.plc.clone(),
            register: reg.clone(),
        });
    }
    Ok(target)
}

/// Keeps what the targets name; everything when there are none.
pub fn select<T: Targetable>(mut plcs: Vec<T>, texts: &[String]) -> Result<Vec<T>, TargetError> {
    if texts.is_empty() {
        return Ok(plcs);
    }
    let targets = texts
        .iter()
        .map(|t| parse(t, &plcs))
        .collect::<Result<Vec<_>, _>>()?;
    plcs.retain(|p| targets.iter().any(|t| t.matches_plc(p)));
    for plc in &mut plcs {
        let mine: Vec<&Target> = targets.iter().filter(|t| t.matches_plc(&*plc)).collect();
        if mine.iter().any(|t| t.register.is_none()) {
            continue;
        }
        let names: Vec<String> = mine.iter().filter_map(|t| t.register.clone()).collect();
        plc.retain_registers(&|r| names.iter().any(|n| n == r));
    }
    Ok(plcs)
}

/// `Targetable` for a type with `namespace`, `name` and `registers` (each with a
/// `name`): the manifests' `Plc` and a saved plan's `PlcPlan`.
macro_rules! targetable {
    ($($ty:ty),*) => {$(
        impl Targetable for $ty {
            fn namespace(&self) -> &str {
                &self.namespace
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn has_register(&self, name: &str) -> bool {
                self.registers.iter().any(|r| r.name == name)
            }
            fn retain_registers(&mut self, keep: &dyn Fn(&str) -> bool) {
                self.registers.retain(|r| keep(&r.name));
            }
        }
    )*};
}

targetable!(crate::manifest::Plc, crate::engine::plan::PlcPlan);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct P(&'static str, &'static str, Vec<&'static str>);
    impl Targetable for P {
        fn namespace(&self) -> &str {
            self.0
        }
        fn name(&self) -> &str {
            self.1
        }
        fn has_register(&self, name: &str) -> bool {
            self.2.contains(&name)
        }
        fn retain_registers(&mut self, keep: &dyn Fn(&str) -> bool) {
            self.2.retain(|r| keep(r));
        }
    }

    fn fleet() -> Vec<P> {
        vec![
            P("a", "press-1", vec!["speed", "force"]),
            P("a", "oven", vec!["temp"]),
            P("b", "press-1", vec!["speed"]),
        ]
    }

    #[test]
    fn name_selects_every_namespace_and_namespace_narrows() {
        let all = select(fleet(), &["press-1".into()]).unwrap();
        assert_eq!(all.len(), 2);
        let one = select(fleet(), &["b/press-1".into()]).unwrap();
        assert_eq!((one.len(), one[0].0), (1, "b"));
    }

    #[test]
    fn register_targets_keep_only_those_registers() {
        let sel = select(fleet(), &["a/press-1/force".into(), "oven".into()]).unwrap();
        assert_eq!(
            sel.iter().map(|p| (p.1, p.2.clone())).collect::<Vec<_>>(),
            [("press-1", vec!["force"]), ("oven", vec!["temp"])]
        );
        let sel = select(fleet(), &["oven/temp".into()]).unwrap();
        assert_eq!(sel[0].2, ["temp"]);
    }

    #[test]
    fn unknown_targets_are_errors_with_a_suggestion() {
        let err = select(fleet(), &["pres-1".into()]).unwrap_err().to_string();
        assert_eq!(
            err,
            "--target \"pres-1\": no PLC named pres-1; did you mean press-1?"
        );
        let err = select(fleet(), &["oven/speed".into()])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "--target \"oven/speed\": PLC oven has no register named speed"
        );
    }

    #[test]
    fn an_unknown_plc_carries_the_name_and_the_suggestion() {
        assert_eq!(
            select(fleet(), &["a/pres-1".into()]).unwrap_err(),
            TargetError::UnknownPlc {
                text: "a/pres-1".into(),
                plc: "a".into(),
                suggestion: None,
            }
        );
        assert_eq!(
            select(fleet(), &["ovn".into()]).unwrap_err(),
            TargetError::UnknownPlc {
                text: "ovn".into(),
                plc: "ovn".into(),
                suggestion: Some("oven".into()),
            }
        );
    }
}
